import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { dirname, posix } from 'node:path'
import type { ContainerInspectInfo } from 'dockerode'
import type { AdoptableStack } from '../../shared/contract/stack'
import { GatehouseError } from '../../shared/errors'
import { releaseOf, supportedAuthentikVersions } from '../../shared/authentik-releases'
import {
  SettingsSchema,
  type AuthentikVersion,
  type Settings,
  type SettingsInput,
} from '../../shared/settings'
import { label as composeLabels } from '../docker/compose'
import type { DockerEngine } from '../docker/engine'
import { dockerFailure } from '../docker/failures'
import { writeFileAtomic } from '../settings/atomic-write'
import { defaultImages } from './catalogue'

/**
 * Adopting a compose stack someone brought up by hand from the guide (#15). Gatehouse finds it by
 * compose labels, reads its configuration from the containers (database password, secret key,
 * e-mail, data folder, domain, version) and — after the admin confirms — writes it into the
 * settings and the keychain exactly as it is (the guide's `openssl rand | base64` secrets keep
 * their `+` and `/`; nothing is rotated).
 *
 * Why an adoption record instead of matching Gatehouse's config hash: a hand-written compose file
 * differs from Gatehouse's model in many harmless ways (extra environment, published ports, a
 * command written differently), so converging on it would recreate every container on the first
 * Start. Instead the record keeps the adopted containers' ids and a fingerprint of the settings
 * written at adoption. While the settings are unchanged and those containers exist, Start only
 * starts them in dependency order and waits for health; once the admin changes a setting, Start
 * converges on Gatehouse's model as usual (volumes, named `<project>_<volume>` by compose, are kept
 * and reused).
 */

const AUTHENTIK_IMAGE = /goauthentik\/server|authentik/i
const VERSION_TAG = /:(\d{4}\.\d{1,2}\.\d+)(?:@.*)?$/

export interface AdoptionRecord {
  readonly project: string
  readonly adoptedAt: string
  /** sha256 of the settings as written at adoption: any later change ends the "as is" mode. */
  readonly settingsFingerprint: string
  /** Compose service → container id at adoption. */
  readonly containers: Readonly<Record<string, string>>
}

export const ADOPTION_FILE = 'adopted-stack.json'

export function settingsFingerprint(settings: Settings): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex')
}

export function adoptionRecordPath(settingsPath: string): string {
  return `${dirname(settingsPath)}/${ADOPTION_FILE}`
}

export async function readAdoptionRecord(settingsPath: string): Promise<AdoptionRecord | null> {
  try {
    return JSON.parse(await readFile(adoptionRecordPath(settingsPath), 'utf8')) as AdoptionRecord
  } catch {
    return null
  }
}

export async function writeAdoptionRecord(
  settingsPath: string,
  record: AdoptionRecord,
): Promise<void> {
  await writeFileAtomic(adoptionRecordPath(settingsPath), JSON.stringify(record, null, 2), 0o600)
}

/** The containers of one project, inspected, keyed by compose service. */
async function projectContainers(
  engine: DockerEngine,
  project: string,
): Promise<Map<string, ContainerInspectInfo>> {
  try {
    const list = await engine.api.listContainers({
      all: true,
      filters: { label: [`${composeLabels.project}=${project}`] },
    })
    const byService = new Map<string, ContainerInspectInfo>()
    for (const c of list) {
      const service = c.Labels[composeLabels.service]
      if (service) byService.set(service, await engine.api.getContainer(c.Id).inspect())
    }
    return byService
  } catch (error) {
    throw dockerFailure(engine, error, `read the containers of the compose project ${project}`)
  }
}

const envOf = (info: ContainerInspectInfo | undefined): Map<string, string> => {
  const env = new Map<string, string>()
  for (const line of info?.Config.Env ?? []) {
    const at = line.indexOf('=')
    if (at > 0) env.set(line.slice(0, at), line.slice(at + 1))
  }
  return env
}

function isAuthentik(info: ContainerInspectInfo): boolean {
  return AUTHENTIK_IMAGE.test(info.Config.Image) || envOf(info).has('AUTHENTIK_SECRET_KEY')
}

/** What the found stack looks like, and what Gatehouse would read from it. */
function describe(project: string, containers: Map<string, ContainerInspectInfo>): AdoptableStack {
  const server = containers.get('server')
  const worker = containers.get('worker')
  const authentik = server ?? worker
  const env = envOf(authentik)
  const image = authentik?.Config.Image ?? ''
  const version = VERSION_TAG.exec(image)?.[1] ?? null
  const release = version ? releaseOf(version) : undefined
  const volumes = new Set<string>()
  const networks = new Set<string>()
  let dataFolder: string | null = null
  for (const info of containers.values()) {
    for (const m of info.Mounts ?? []) {
      if (m.Type === 'volume' && m.Name) volumes.add(m.Name)
      if (m.Type === 'bind' && (m.Destination === '/media' || m.Destination === '/data'))
        dataFolder ??= posix.dirname(m.Source)
    }
    for (const n of Object.keys(info.NetworkSettings?.Networks ?? {})) networks.add(n)
  }
  const problems: string[] = []
  const known = new Set(['postgresql', 'redis', 'server', 'worker'])
  const extra = [...containers.keys()].filter((s) => !known.has(s))
  if (extra.length)
    problems.push(
      `Services Gatehouse does not manage: ${extra.join(', ')}. Adopt would leave them to compose; remove them from this project first.`,
    )
  for (const needed of ['postgresql', 'server', 'worker'])
    if (!containers.has(needed)) problems.push(`No "${needed}" service in this project.`)
  if (!release)
    problems.push(
      version
        ? `Authentik ${version} is not a release Gatehouse knows (${supportedAuthentikVersions.join(', ')}).`
        : `The Authentik image ${image || '(none)'} names no version tag; Gatehouse needs one such as :2025.6.3.`,
    )
  const pgPassword =
    env.get('AUTHENTIK_POSTGRESQL__PASSWORD') ??
    envOf(containers.get('postgresql')).get('POSTGRES_PASSWORD')
  if (!pgPassword) problems.push('The database password is not in the containers’ environment.')
  if (!env.get('AUTHENTIK_SECRET_KEY'))
    problems.push('AUTHENTIK_SECRET_KEY is not in the server’s environment.')
  if (!dataFolder) problems.push('No ./media or ./data folder is mounted into the server.')
  return {
    project,
    services: [...containers.entries()].map(([service, info]) => ({
      service,
      container: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      state: info.State.Status,
    })),
    version,
    volumes: [...volumes].sort(),
    networks: [...networks].sort(),
    dataFolder,
    domain: domainFromLabels(authentik?.Config.Labels ?? {}),
    smtpHost: env.get('AUTHENTIK_EMAIL__HOST') ?? null,
    secretsFound: [
      ...(pgPassword ? ['postgresPassword'] : []),
      ...(env.get('AUTHENTIK_SECRET_KEY') ? ['authentikSecretKey'] : []),
      ...(env.get('AUTHENTIK_EMAIL__PASSWORD') ? ['smtpPassword'] : []),
    ],
    problems,
  }
}

/** `auth.example.com` from a Traefik router rule `Host(\`auth.example.com\`)` → `example.com`. */
function domainFromLabels(labels: Record<string, string>): string | null {
  for (const [key, value] of Object.entries(labels)) {
    if (!/^traefik\.http\.routers\.[^.]+\.rule$/.test(key)) continue
    const host = /Host\(`([^`]+)`\)/.exec(value)?.[1]
    if (host?.startsWith('auth.')) return host.slice('auth.'.length)
  }
  return null
}

/** Every compose project on the engine that holds an Authentik server or worker. */
export async function findAdoptableStacks(engine: DockerEngine): Promise<AdoptableStack[]> {
  const list = await engine.api
    .listContainers({ all: true, filters: { label: [composeLabels.project] } })
    .catch((error: unknown) => {
      throw dockerFailure(engine, error, 'list the compose projects')
    })
  const projects = [...new Set(list.map((c) => c.Labels[composeLabels.project] ?? ''))].filter(
    Boolean,
  )
  const found: AdoptableStack[] = []
  for (const project of projects.sort()) {
    const containers = await projectContainers(engine, project)
    if ([...containers.values()].some(isAuthentik)) found.push(describe(project, containers))
  }
  return found
}

export interface AdoptionPlan {
  readonly stack: AdoptableStack
  readonly settings: Settings
  readonly secrets: ReadonlyMap<'postgresPassword' | 'authentikSecretKey' | 'smtpPassword', string>
  readonly containers: Record<string, string>
}

const truthy = (v: string | undefined) => v !== undefined && /^(true|1|yes)$/i.test(v.trim())

/**
 * Settings and secrets as the running stack has them, on top of what the admin already saved (or
 * typed now: domain and e-mail when the containers do not say).
 */
export async function planAdoption(
  engine: DockerEngine,
  project: string,
  base: {
    saved: Settings | null
    baseDomain?: string | undefined
    adminEmail?: string | undefined
  },
): Promise<AdoptionPlan> {
  const containers = await projectContainers(engine, project)
  if (!containers.size || ![...containers.values()].some(isAuthentik))
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `No Authentik compose project "${project}" runs on this engine.`,
      hint: 'List what can be adopted first (`gatehouse stack adoptable`) and use one of those names.',
      details: { project },
    })
  const stack = describe(project, containers)
  if (stack.problems.length)
    throw new GatehouseError({
      code: 'STACK_INVALID',
      message: `The stack "${project}" cannot be adopted as it is: ${stack.problems.join(' ')}`,
      hint: 'Fix what is named (or start the stack from Gatehouse instead); nothing was changed.',
      details: { project, problems: stack.problems },
    })
  const server = containers.get('server') ?? containers.get('worker')
  const env = envOf(server)
  const pgEnv = envOf(containers.get('postgresql'))
  const release = releaseOf(stack.version ?? '')
  const version = (release?.version ?? supportedAuthentikVersions[0]) as AuthentikVersion
  const saved = base.saved
  const domain = base.baseDomain ?? stack.domain ?? saved?.baseDomain
  if (!domain)
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: 'The containers do not say which domain Authentik serves.',
      hint: 'Give the base domain (auth.<domain> is Authentik’s address), e.g. example.com.',
      details: { fields: { baseDomain: ['Enter the base domain, e.g. example.com.'] } },
    })
  const smtpHost = env.get('AUTHENTIK_EMAIL__HOST')
  const smtp = smtpHost
    ? {
        host: smtpHost,
        port: Number(env.get('AUTHENTIK_EMAIL__PORT') ?? 587),
        username: env.get('AUTHENTIK_EMAIL__USERNAME') ?? '',
        from: env.get('AUTHENTIK_EMAIL__FROM') ?? `authentik@${domain}`,
        tls: truthy(env.get('AUTHENTIK_EMAIL__USE_SSL'))
          ? ('tls' as const)
          : truthy(env.get('AUTHENTIK_EMAIL__USE_TLS'))
            ? ('starttls' as const)
            : ('none' as const),
      }
    : saved?.smtp
  if (!smtp)
    throw new GatehouseError({
      code: 'STACK_NOT_CONFIGURED',
      message: 'The stack has no e-mail settings (AUTHENTIK_EMAIL__HOST) and none are saved.',
      hint: 'Fill in the mail server in Settings and save, then adopt again.',
    })
  const images: SettingsInput['imageOverrides'] = {}
  const authentikImage = server?.Config.Image ?? ''
  if (authentikImage !== defaultImages.authentik(version)) images.authentik = authentikImage
  const pgImage = containers.get('postgresql')?.Config.Image
  if (pgImage && pgImage !== defaultImages.postgresql) images.postgresql = pgImage
  const redisImage = containers.get('redis')?.Config.Image
  if (redisImage && redisImage !== defaultImages.redis) images.redis = redisImage
  const input: SettingsInput = {
    ...(saved ?? {}),
    baseDomain: domain,
    adminEmail:
      base.adminEmail ??
      env.get('AUTHENTIK_BOOTSTRAP_EMAIL') ??
      saved?.adminEmail ??
      `admin@${domain}`,
    smtp,
    authentikVersion: version,
    dataFolder: stack.dataFolder ?? saved?.dataFolder ?? '',
    timezone: env.get('TZ') ?? saved?.timezone ?? 'UTC',
    project,
    ...(Object.keys(images).length ? { imageOverrides: images } : {}),
  }
  const parsed = SettingsSchema.safeParse(input)
  if (!parsed.success)
    throw new GatehouseError({
      code: 'SETTINGS_INVALID',
      message: `What the stack says does not make valid settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      hint: 'Give the missing values (domain, e-mail) or fix them in Settings, then adopt again.',
    })
  const secrets = new Map<'postgresPassword' | 'authentikSecretKey' | 'smtpPassword', string>()
  const pg = env.get('AUTHENTIK_POSTGRESQL__PASSWORD') ?? pgEnv.get('POSTGRES_PASSWORD')
  if (pg) secrets.set('postgresPassword', pg)
  const key = env.get('AUTHENTIK_SECRET_KEY')
  if (key) secrets.set('authentikSecretKey', key)
  const mail = env.get('AUTHENTIK_EMAIL__PASSWORD')
  if (mail) secrets.set('smtpPassword', mail)
  return {
    stack,
    settings: parsed.data,
    secrets,
    containers: Object.fromEntries([...containers].map(([s, info]) => [s, info.Id])),
  }
}

/**
 * True while the adopted containers are to be kept as they are: the settings are the ones
 * written at adoption and every adopted container still exists with its id.
 */
export async function keepAdoptedAsIs(
  engine: DockerEngine,
  record: AdoptionRecord | null,
  settings: Settings,
): Promise<boolean> {
  if (!record || record.project !== settings.project) return false
  if (record.settingsFingerprint !== settingsFingerprint(settings)) return false
  const now = await projectContainers(engine, record.project)
  return Object.entries(record.containers).every(([service, id]) => now.get(service)?.Id === id)
}
