import { echo } from './echo'
import { z } from 'zod'

/**
 * Gatehouse's non-secret settings: what the admin types once in the first-run form. Lives in
 * src/shared so the renderer validates the form with the very schema the main process applies
 * before writing `settings.json` (no Node or DOM APIs here: `Intl` exists in both).
 *
 * Secrets (database password, secret key, bootstrap credentials, SMTP password) are NOT here: they
 * live in the OS keychain. Every object is strict, so a secret pasted into the file or sent by a
 * confused caller is rejected instead of being written next to the settings.
 */

/** Bumped whenever the stored layout changes; src/main/settings/schema.ts migrates older files. */
export const SETTINGS_SCHEMA_VERSION = 2

// The supported releases are one table (src/shared/authentik-releases.ts); re-exported here
// because the settings schema and the form offer exactly these.
import { DEFAULT_AUTHENTIK_VERSION, supportedAuthentikVersions } from './authentik-releases'
export {
  DEFAULT_AUTHENTIK_VERSION,
  supportedAuthentikVersions,
  type AuthentikVersion,
} from './authentik-releases'

export const smtpTlsModes = ['none', 'starttls', 'tls'] as const
export type SmtpTlsMode = (typeof smtpTlsModes)[number]

// Control characters would break the `.env` export (one variable per line) and the YAML.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `Use at most ${max} characters.` })
    .refine((s) => !CONTROL_CHARS.test(s), {
      error: 'Line breaks and control characters are not allowed.',
    })

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/**
 * A registrable DNS name such as `example.com`: at least two labels (the cookie domain of the
 * forward-auth provider needs a dot), LDH labels of 1–63 characters, 253 characters in all, and
 * a top-level label that is not all digits (so an IP address is refused). Returns why it is not,
 * or null. International names must be entered in their `xn--` form: Traefik matches bytes.
 */
export function domainProblem(value: string): string | null {
  if (value === '') return 'Enter your domain, e.g. example.com.'
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return 'Enter the domain without http:// or https://.'
  if (value.includes('/')) return 'Enter only the domain, without a path.'
  if (value.includes(':')) return 'Enter the domain without a port.'
  if (value.endsWith('.')) return 'Leave out the trailing dot.'
  if (value.length > 253) return 'A domain has at most 253 characters.'
  const labels = value.split('.')
  if (labels.length < 2) return 'Enter a full domain with a dot, e.g. example.com.'
  for (const label of labels) {
    if (!LABEL.test(label)) {
      return /[^\x20-\x7e]/.test(label)
        ? 'Enter international names in their xn-- (punycode) form.'
        : `"${label}" is not a valid domain label (letters, digits and inner hyphens, 1–63 characters).`
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? ''))
    return 'Enter a domain name, not an IP address.'
  return null
}

/** A mail server host: a host name (single label allowed, e.g. a container name) or an IP. */
function isMailHost(value: string): boolean {
  const hostname =
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i
  const ipv6 = /^[0-9a-f:.]+$/i
  return (
    value.length <= 253 &&
    (hostname.test(value) || (ipv6.test(value) && value.split(':').length > 2))
  )
}

/**
 * An absolute folder on the Docker host for the bind mounts: POSIX (`/volume1/docker/authentik`)
 * or a Windows drive path (`C:/Docker/authentik`, Docker Desktop). No `.`/`..` segments (the
 * mounts must say exactly where data goes), no `:` past the drive letter (Docker's `src:dst`
 * volume syntax splits on it), and not the root itself.
 */
export function hostFolderProblem(value: string): string | null {
  const windows = /^[A-Za-z]:\//.test(value)
  if (!value.startsWith('/') && !windows)
    return 'Enter an absolute path, e.g. /volume1/docker/authentik.'
  const rest = windows ? value.slice(2) : value
  if (rest === '/' || rest === '')
    return 'Choose a folder below the root, e.g. /volume1/docker/authentik.'
  if (rest.includes(':')) return 'The path may not contain ":" (Docker uses it to separate paths).'
  if (rest.split('/').some((seg) => seg === '.' || seg === '..'))
    return 'Leave out "." and ".." in the path.'
  return null
}

/**
 * An IANA zone name (`Europe/Berlin`, `UTC`) that this runtime's ICU knows. Offsets like `+01:00`
 * are refused even where Intl accepts them: containers read `TZ` as a tzdata file name. A name that
 * only differs in case is refused too (tzdata file lookups are case-sensitive), naming the fix.
 */
export function timeZoneProblem(value: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(value)) {
    return 'Enter a time zone name such as Europe/Berlin or UTC.'
  }
  let resolved: string
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone
  } catch {
    return `"${echo(value)}" is not a known time zone.`
  }
  if (resolved !== value && resolved.toLowerCase() === value.toLowerCase())
    return `Write it as ${resolved}.`
  return null
}

/**
 * Where Traefik's dynamic configuration file lives on this machine (the file provider's
 * `dynamic_config.yml`): an absolute POSIX or Windows path to a .yml/.yaml file. Whether its folder
 * exists is checked when Gatehouse reads it (src/main/traefik), not here.
 */
export function traefikConfigPathProblem(value: string): string | null {
  if (CONTROL_CHARS.test(value)) return 'Line breaks and control characters are not allowed.'
  if (!value.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(value))
    return 'Enter the absolute path of the file, e.g. /volume1/docker/traefik/dynamic_config.yml.'
  if (!/\.ya?ml$/i.test(value)) return 'Choose the .yml (or .yaml) file Traefik reads.'
  return null
}

/** Loose Docker image reference check: the engine gives the precise error when it pulls. */
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/

const imageRef = text(255).refine((s) => IMAGE_REF.test(s), {
  error: 'Enter an image reference such as registry.local/postgres:16-alpine.',
})

/** The placeholder an Authentik image override may carry so each release gets its own tag. */
export const VERSION_PLACEHOLDER = '{version}'

/**
 * The Authentik override: a fixed reference, or one with `{version}` once, in the tag
 * (`registry.lan/goauthentik/server:{version}`), which the upgrade planner fills per step.
 */
const authentikImageRef = text(255).refine(
  (s) => {
    const parts = s.split(VERSION_PLACEHOLDER)
    if (parts.length > 2) return false
    const filled = parts.join('2026.8.3')
    return IMAGE_REF.test(filled) && (parts.length === 1 || /:[^/]*$/.test(parts[0] ?? ''))
  },
  {
    error:
      'Enter an image reference such as registry.lan/goauthentik/server:{version} ({version} at most once, in the tag).',
  },
)

/** Helper: a refinement whose message comes from a `…Problem` function. */
function checkedBy(problem: (value: string) => string | null) {
  return (value: string, ctx: z.RefinementCtx) => {
    const message = problem(value)
    if (message !== null) ctx.addIssue({ code: 'custom', message })
  }
}

/** Where the Docker engine runs (#15). */
export const dockerHostKinds = ['local', 'ssh', 'tls'] as const
export type DockerHostKind = (typeof dockerHostKinds)[number]
/** How Gatehouse logs in to the NAS: the SSH agent, a key file, or a pair it generated (keychain). */
export const sshAuthKinds = ['agent', 'keyFile', 'generated'] as const
export type SshAuthKind = (typeof sshAuthKinds)[number]

const absoluteLocalPath = text(1024).refine((s) => s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s), {
  error: 'Enter the absolute path of the file on this computer.',
})

export const DockerSshSettings = z
  .strictObject({
    /** ssh://user@host[:port] */
    address: text(300).refine(
      (s) =>
        /^ssh:\/\/[^@\s/]+@[^\s/:]+(?::\d{1,5})?$/.test(s) ||
        /^ssh:\/\/[^@\s/]+@\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(s),
      {
        error: 'Enter ssh://user@nas or ssh://user@nas:2222 (the user is required).',
      },
    ),
    auth: z.enum(sshAuthKinds),
    /** For auth "keyFile": the private key on this computer (its passphrase lives in the keychain). */
    keyFile: absoluteLocalPath.optional(),
    /** The host key the admin accepted, as `ssh-keygen -lf` prints it. Not a secret. */
    hostKey: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, {
        error: 'A host key fingerprint looks like SHA256: and 43 characters.',
      })
      .optional(),
    /** The engine's socket on the NAS; default /var/run/docker.sock. */
    socketPath: text(300)
      .refine((s) => s.startsWith('/'), {
        error: 'Enter the absolute path of the socket on the NAS.',
      })
      .optional(),
  })
  .superRefine((ssh, ctx) => {
    if (ssh.auth === 'keyFile' && !ssh.keyFile)
      ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'Choose the private key file.' })
  })

export const DockerTlsSettings = z.strictObject({
  /** tcp://host:2376 */
  address: text(300).refine((s) => /^tcp:\/\/[^\s/]+:\d{1,5}$/.test(s), {
    error: 'Enter tcp://nas:2376.',
  }),
  /** The CA that signed the engine's certificate, and Gatehouse's client certificate (PEM files). */
  caFile: absoluteLocalPath,
  certFile: absoluteLocalPath,
  // The client key is in the keychain ("host:tlsClientKey"), never in this file.
})

export const SmtpSettings = z.strictObject({
  host: text(253).refine(isMailHost, { error: 'Enter the mail server host name or IP address.' }),
  port: z
    .int({ error: 'Enter a whole number.' })
    .min(1, { error: 'Ports run from 1 to 65535.' })
    .max(65535, {
      error: 'Ports run from 1 to 65535.',
    }),
  /** Empty when the relay accepts mail without login. */
  username: text(255).default(''),
  from: z.email({ error: 'Enter the sender address, e.g. authentik@example.com.' }),
  /** none: plain SMTP; starttls: upgrade on the submission port (587); tls: implicit TLS (465). */
  tls: z.enum(smtpTlsModes),
})

/** Where the stack runs (#20): one Docker engine (compose-style containers) or a Swarm manager. */
export const deploymentTargets = ['single', 'swarm'] as const
export type DeploymentTarget = (typeof deploymentTargets)[number]

/**
 * Deployment target (#20). Optional with a default, so files written before it parse unchanged
 * and the schema version stays 2 (no migration needed for an additive, defaulted field).
 */
export const DeploymentSettings = z.strictObject({
  target: z.enum(deploymentTargets).default('single'),
  /** Swarm only: server replicas behind the `authentik-server` alias. */
  serverReplicas: z
    .int({ error: 'Enter a whole number.' })
    .min(1, { error: 'Run at least one server replica.' })
    .max(9, { error: 'Use at most 9 server replicas.' })
    .default(2),
})

export const SettingsSchema = z.strictObject({
  schemaVersion: z.literal(SETTINGS_SCHEMA_VERSION).default(SETTINGS_SCHEMA_VERSION),
  /** `auth.<baseDomain>` is Authentik's host; `<baseDomain>` is the forward-auth cookie domain. */
  baseDomain: text(253)
    .overwrite((s) => s.toLowerCase())
    .superRefine(checkedBy(domainProblem)),
  /** Becomes akadmin's e-mail through AUTHENTIK_BOOTSTRAP_EMAIL. */
  adminEmail: z.email({ error: 'Enter an e-mail address, e.g. admin@example.com.' }),
  smtp: SmtpSettings,
  authentikVersion: z.enum(supportedAuthentikVersions).default(DEFAULT_AUTHENTIK_VERSION),
  /** Absolute folder on the Docker host holding data/ (or media/), certs/ and custom-templates/. */
  dataFolder: text(1024)
    .overwrite((s) => s.replace(/\\/g, '/').replace(/(.)\/+$/, '$1'))
    .superRefine(checkedBy(hostFolderProblem)),
  timezone: text(64).superRefine(checkedBy(timeZoneProblem)),
  docker: z
    .strictObject({
      /** unix:///…, npipe:////./pipe/…, tcp://host:2375 or a socket path; omitted: DOCKER_HOST, then the OS default. */
      endpoint: text(1024)
        .refine((s) => /^(?:unix|npipe|tcp|http|https):\/\/\S+$/.test(s) || s.startsWith('/'), {
          error: 'Enter unix:///path, npipe:////./pipe/name, tcp://host:port or a socket path.',
        })
        .optional(),
      /**
       * Where the engine runs (#15): this computer (`endpoint`/DOCKER_HOST, the default), the NAS
       * over SSH, or TCP with TLS. Omitted means "local".
       */
      kind: z.enum(dockerHostKinds).optional(),
      ssh: DockerSshSettings.optional(),
      tls: DockerTlsSettings.optional(),
      /**
       * Plain tcp:// (no TLS) to anything but loopback gives root on the NAS to everyone on the
       * network: refused unless the admin sets this, knowing it (Settings shows the warning).
       */
      allowInsecureTcp: z.boolean().optional(),
    })
    .superRefine((docker, ctx) => {
      if (docker.kind === 'ssh' && !docker.ssh)
        ctx.addIssue({
          code: 'custom',
          path: ['ssh'],
          message: 'Enter the SSH address of the Docker host.',
        })
      if (docker.kind === 'tls' && !docker.tls)
        ctx.addIssue({
          code: 'custom',
          path: ['tls'],
          message: 'Enter the TLS address and certificate files.',
        })
    })
    .default({}),
  /**
   * Where Gatehouse talks to Authentik's API when neither https://auth.<domain> nor the published
   * 127.0.0.1:9000 is right (e.g. http://nas.lan:9000). Optional.
   */
  authentikUrl: z
    .url({ protocol: /^https?$/, error: 'Enter an http:// or https:// address.' })
    .max(1024)
    .optional(),
  /**
   * A certificate the admin chose to trust for Authentik's API after comparing its fingerprint
   * (self-signed), or an internal CA (PEM). Verification is never switched off.
   */
  authentikTls: z
    .discriminatedUnion('mode', [
      z.strictObject({
        mode: z.literal('fingerprint'),
        sha256: z
          .string()
          .regex(/^([0-9A-Fa-f]{2}:?){32}$/, { error: 'Not a SHA-256 fingerprint.' }),
      }),
      z.strictObject({
        mode: z.literal('ca'),
        caPem: z
          .string()
          .max(65536)
          .regex(/-----BEGIN CERTIFICATE-----/, { error: 'Paste a PEM certificate.' }),
      }),
    ])
    .optional(),
  /** Publish Authentik's port 9000 on 127.0.0.1 only, for setup before DNS and Traefik work. */
  publishSetupPort: z.boolean().default(false),
  /**
   * Replace the catalogue's images (a registry mirror, or the small local images the tests build).
   * An overridden image brings its own HEALTHCHECK: the catalogue's healthcheck (pg_isready,
   * redis-cli) is dropped for that service, because it names tools the replacement may not have.
   * `authentik` replaces the server and worker image (full reference including the tag); a
   * `{version}` in its tag is replaced by the release (`registry.lan/goauthentik/server:{version}`),
   * so a mirror serves every step of an upgrade. Without it the one reference serves every release.
   */
  imageOverrides: z
    .strictObject({
      postgresql: imageRef.optional(),
      redis: imageRef.optional(),
      authentik: authentikImageRef.optional(),
    })
    .optional(),
  /** Traefik's dynamic configuration file (R2/R10 merge their middlewares into it). Optional. */
  traefikDynamicConfig: text(4096).superRefine(checkedBy(traefikConfigPathProblem)).optional(),
  deployment: DeploymentSettings.default({ target: 'single', serverReplicas: 2 }),
  /** Compose project name: prefixes containers, volumes and the project network. */
  project: text(63)
    .regex(/^[a-z0-9][a-z0-9_-]*$/, {
      error: 'Use lowercase letters, digits, "-" and "_", starting with a letter or digit.',
    })
    .default('authentik'),
})

/** What `settings.json` holds after parsing: defaults applied. */
export type Settings = z.output<typeof SettingsSchema>
/** What the form sends: defaulted fields may be left out. */
export type SettingsInput = z.input<typeof SettingsSchema>

export interface FieldIssue {
  /** Dotted path of the field, e.g. "smtp.port"; an unexpected key is named by its own path. */
  readonly path: string
  readonly message: string
}

/** zod issues as field errors a form (or the CLI) can show next to the field they name. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String)
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...base, key].join('.'),
        message: 'Not a setting (secrets belong in the keychain, not in the settings).',
      }))
    }
    return [{ path: base.join('.') || '(settings)', message: issue.message }]
  })
}
