import { GatehouseError, type ErrorCode, type GatehouseErrorData } from '../../shared/errors'
import { secretNames, type SecretName, type SecretStoreKind } from '../../shared/contract/secrets'
import { generateSecret } from './generate'

/**
 * Gatehouse's secrets live in the OS keychain (the Secret Service on Linux), one entry per name:
 * service "gatehouse", account = the secret's name. The list is closed so that nothing reachable
 * from the UI can read or overwrite an unrelated keychain entry.
 */
// The closed list is the contract's, so the UI, the CLI and the keychain agree on it.
export { secretNames, type SecretName }

/**
 * App integrations keep one entry per secret they own: `integration:<id>:clientSecret` (the OAuth2
 * client secret Authentik generated) or `integration:<id>:password:<app>` (a Servarr password the
 * admin typed). Open-ended, but only in this exact shape, so nothing else in the keychain can be
 * named through it.
 */
export type IntegrationSecretName = `integration:${string}`
export const integrationSecretPattern =
  /^integration:[a-z][a-z0-9]{0,30}:(clientSecret|password:[a-z0-9][a-z0-9_-]{0,49})$/
/**
 * The Docker host's credentials (#15): the SSH key pair Gatehouse generated, the passphrase of the
 * admin's own key file, the TLS client key. Fixed names; not part of the stack's status list.
 */
export const hostSecretNames = [
  'host:sshPrivateKey',
  'host:sshKeyPassphrase',
  'host:tlsClientKey',
] as const
export type HostSecretName = (typeof hostSecretNames)[number]
const isHostSecretName = (name: string): name is HostSecretName =>
  (hostSecretNames as readonly string[]).includes(name)
/** Every name the store accepts: the closed list plus integration and Docker-host secrets. */
export type StoredSecretName = SecretName | IntegrationSecretName | HostSecretName
export const isIntegrationSecretName = (name: string): name is IntegrationSecretName =>
  integrationSecretPattern.test(name)

/** Presence only: a status must be safe to show, log and send to the renderer. */
export interface SecretStoreStatus {
  available: boolean
  backend: string
  store: SecretStoreKind
  /** Meaningful only while `available`; all false otherwise. */
  secrets: Record<SecretName, boolean>
  error?: GatehouseErrorData
}

export interface SecretStore {
  get(name: StoredSecretName): Promise<string | null>
  set(name: StoredSecretName, value: string): Promise<void>
  /** Resolves true when an entry was removed, false when there was none. */
  delete(name: StoredSecretName): Promise<boolean>
  /** The stored value, generated and stored first when missing. */
  ensure(name: SecretName): Promise<string>
  status(): Promise<SecretStoreStatus>
}

/** The part of @napi-rs/keyring's AsyncEntry the store uses, so tests can stand in for it. */
export interface KeychainEntry {
  getPassword(): Promise<string | null | undefined>
  setPassword(password: string): Promise<void>
  deleteCredential(): Promise<boolean>
}

export interface KeychainStoreOptions {
  service?: string
  timeoutMs?: number
  /** Tests only: replaces the real keychain entry. */
  openEntry?: (service: string, account: StoredSecretName) => KeychainEntry | Promise<KeychainEntry>
}

type Operation = 'get' | 'set' | 'delete'
type BasicOps = Pick<SecretStore, 'get' | 'set' | 'delete'>

const verbs: Record<Operation, string> = { get: 'read', set: 'store', delete: 'delete' }
const lockedHint = 'The keyring is probably locked; unlock it and retry.'

/** Library failures we can name, checked in order against the keychain's own message. */
const knownCauses: ReadonlyArray<{ test: RegExp; code: ErrorCode; cause: string; hint: string }> = [
  {
    test: /did not receive a reply|noreply|timed? ?out/i,
    code: 'KEYCHAIN_TIMEOUT',
    cause: 'the Secret Service did not answer in time',
    hint: `${lockedHint} If it is unlocked, restart gnome-keyring (or KWallet).`,
  },
  {
    test: /DBUS_SESSION_BUS_ADDRESS|autolaunch|failed to connect to socket|connection refused/i,
    code: 'KEYCHAIN_UNAVAILABLE',
    cause:
      'no D-Bus session bus is reachable, so no Secret Service (gnome-keyring / KWallet) can be asked',
    hint: 'Run Gatehouse inside your desktop session, or start a session bus with an unlocked gnome-keyring for it (dbus-run-session, then gnome-keyring-daemon --unlock), and retry. On a headless machine with no keyring, keep the secrets in an encrypted vault file instead: `gatehouse secrets init-vault` (README, "headless NAS").',
  },
  {
    test: /org\.freedesktop\.secrets|serviceunknown|not provided by any \.service files/i,
    code: 'KEYCHAIN_UNAVAILABLE',
    cause: 'no Secret Service is running (gnome-keyring / KWallet)',
    hint: 'Install and start gnome-keyring (apt-get install gnome-keyring) or KWallet, or unlock your keyring, then retry.',
  },
  {
    test: /prompt was dismissed|islocked|is locked/i,
    code: 'KEYCHAIN_UNAVAILABLE',
    cause: 'the keyring is locked and the unlock prompt was dismissed or could not be shown',
    hint: 'Unlock your keyring (log in to the desktop session, or open "Passwords and Keys"), then retry.',
  },
  {
    test: /no result found|nosuchobject|no such collection/i,
    code: 'KEYCHAIN_UNAVAILABLE',
    cause: 'the Secret Service has no default keyring to keep secrets in',
    hint: 'Create a default keyring (in "Passwords and Keys", or once with gnome-keyring-daemon --unlock), then retry.',
  },
  {
    test: /ambiguous/i,
    code: 'KEYCHAIN_UNAVAILABLE',
    cause: 'more than one keychain entry matches this secret',
    hint: 'Remove the duplicates (see: secret-tool search --all service <service>), then retry.',
  },
  {
    test: /native binding|cannot find module|keyring-[a-z0-9-]+\.node/i,
    code: 'KEYCHAIN_UNAVAILABLE',
    cause: "the keychain library's native part could not be loaded on this platform",
    hint: 'Reinstall Gatehouse (npm ci) for this operating system and CPU, then retry.',
  },
]

function backendName(): string {
  if (process.platform === 'darwin') return 'macos-keychain'
  if (process.platform === 'win32') return 'windows-credential-manager'
  return 'secret-service'
}

function assertSecretName(name: string): asserts name is StoredSecretName {
  if (
    (secretNames as readonly string[]).includes(name) ||
    isIntegrationSecretName(name) ||
    isHostSecretName(name)
  )
    return
  // The refused name is not echoed: with swapped arguments it could be the secret itself.
  throw new GatehouseError({
    code: 'VALIDATION_FAILED',
    message: "A secret name outside Gatehouse's list was refused.",
    hint: `Use one of: ${secretNames.join(', ')}.`,
  })
}

/** Removes every known secret value from text the keychain library wrote. */
function redact(text: string, values: readonly string[]): string {
  return values.reduce((out, value) => (value ? out.split(value).join('[redacted]') : out), text)
}

function describe(operation: Operation, name: StoredSecretName, service: string): string {
  const where = operation === 'set' ? 'in' : 'from'
  return `Could not ${verbs[operation]} the secret "${name}" ${where} the OS keychain (service "${service}")`
}

/** Turns what the keychain library threw into an error that names the cause and the fix. */
export function keychainFailure(
  error: unknown,
  context: { operation: Operation; name: StoredSecretName; service: string },
  knownValues: readonly string[] = [],
): GatehouseError {
  if (error instanceof GatehouseError) return error
  const raw = redact(error instanceof Error ? error.message : String(error), knownValues)
  const known = knownCauses.find((c) => c.test.test(raw))
  return new GatehouseError({
    code: known?.code ?? 'KEYCHAIN_UNAVAILABLE',
    message: `${describe(context.operation, context.name, context.service)}: ${known?.cause ?? raw}.`,
    hint:
      known?.hint ??
      'Check that gnome-keyring (or KWallet) is running and unlocked, then retry; details.cause has the keychain’s own words.',
    details: {
      operation: context.operation,
      secret: context.name,
      service: context.service,
      backend: backendName(),
      cause: raw,
    },
  })
}

/** Validation, `ensure` and `status` on top of three plain operations, shared by every store. */
export function storeFrom(ops: BasicOps, backend: string, kind: SecretStoreKind): SecretStore {
  // One ensure per name at a time: two concurrent callers must not generate two different values,
  // or one of them would go on with a password that the keychain no longer holds.
  const ensuring = new Map<SecretName, Promise<string>>()

  const store: SecretStore = {
    // Async throughout so that a bad name rejects the promise instead of throwing at the caller.
    get: async (name) => {
      assertSecretName(name)
      return ops.get(name)
    },
    set: async (name, value) => {
      assertSecretName(name)
      if (typeof value !== 'string' || value.length === 0) {
        throw new GatehouseError({
          code: 'VALIDATION_FAILED',
          message: `The secret "${name}" cannot be stored empty.`,
          hint: 'Provide a non-empty value, or let Gatehouse generate one.',
        })
      }
      return ops.set(name, value)
    },
    delete: async (name) => {
      assertSecretName(name)
      return ops.delete(name)
    },
    ensure: async (name) => {
      assertSecretName(name)
      const running = ensuring.get(name)
      if (running) return running
      const job = (async () => {
        const existing = await ops.get(name)
        if (existing) return existing
        await ops.set(name, generateSecret())
        // Read back: if another process (the CLI next to the app) wrote at the same moment, the
        // value that stayed in the keychain is the one everyone will use from now on.
        const stored = await ops.get(name)
        if (stored) return stored
        throw new GatehouseError({
          code: 'KEYCHAIN_UNAVAILABLE',
          message: `The secret "${name}" was stored in the ${backend} keychain but reads back empty.`,
          hint: 'Check that the keyring stays unlocked and that nothing else clears it, then retry.',
          details: { operation: 'ensure', secret: name, backend },
        })
      })().finally(() => ensuring.delete(name))
      ensuring.set(name, job)
      return job
    },
    status: async () => {
      const secrets = Object.fromEntries(secretNames.map((n) => [n, false])) as Record<
        SecretName,
        boolean
      >
      try {
        for (const name of secretNames) secrets[name] = Boolean(await ops.get(name))
        return { available: true, backend, store: kind, secrets }
      } catch (error) {
        const data: GatehouseErrorData =
          error instanceof GatehouseError
            ? error.toData()
            : { code: 'INTERNAL', message: 'The secret store failed unexpectedly.', hint: 'Retry.' }
        for (const name of secretNames) secrets[name] = false
        return { available: false, backend, store: kind, secrets, error: data }
      }
    },
  }
  return store
}

async function openSecretServiceEntry(service: string, account: StoredSecretName) {
  // Loaded on first use: a missing native binary then becomes KEYCHAIN_UNAVAILABLE instead of a
  // crash at startup, and code that only uses the memory store never loads it.
  const { AsyncEntry } = await import('@napi-rs/keyring')
  // Pinned: without it the library silently falls back to the kernel keyring, which forgets
  // every secret at reboot. The constructor is synchronous and makes a blocking D-Bus round trip
  // that no timer can interrupt: ~2 s against a frozen daemon, up to libdbus's 25 s default on a
  // bus that drops the reply.
  return new AsyncEntry(service, account, { linux: { store: 'secret-service' } })
}

/**
 * The real store. Every keychain call races a timer: a locked keyring with a display opens an
 * unlock prompt and the call then never returns (abort signals do not stop it).
 */
export function createKeychainStore(options: KeychainStoreOptions = {}): SecretStore {
  const { service = 'gatehouse', timeoutMs = 5000, openEntry = openSecretServiceEntry } = options
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`createKeychainStore: timeoutMs must be positive, got ${timeoutMs}`)
  }
  // Entries are kept so the blocking constructor runs once per secret, not once per call.
  const entries = new Map<StoredSecretName, KeychainEntry>()
  // A call that timed out still occupies one of libuv's 4 worker threads until the keyring
  // answers; while it does, new calls fail at once instead of starving file and DNS I/O too.
  let stillWaiting: Promise<void> | undefined

  async function call<T>(
    operation: Operation,
    name: StoredSecretName,
    run: (entry: KeychainEntry) => Promise<T>,
    knownValues: readonly string[] = [],
  ): Promise<T> {
    const context = { operation, name, service }
    if (stillWaiting) throw keychainTimeout(context, timeoutMs, true)
    const pending = (async () => {
      let entry = entries.get(name)
      if (!entry) {
        entry = await openEntry(service, name)
        entries.set(name, entry)
      }
      return run(entry)
    })()
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    try {
      const outcome = await Promise.race([pending.then((value) => ({ value })), deadline])
      if (outcome !== 'timeout') return outcome.value
      const waiting: Promise<void> = pending.then(
        () => undefined,
        () => undefined,
      )
      stillWaiting = waiting
      void waiting.then(() => {
        if (stillWaiting === waiting) stillWaiting = undefined
      })
      throw keychainTimeout(context, timeoutMs, false)
    } catch (error) {
      throw keychainFailure(error, context, knownValues)
    } finally {
      clearTimeout(timer)
    }
  }

  return storeFrom(
    {
      get: (name) => call('get', name, async (e) => (await e.getPassword()) ?? null),
      set: (name, value) => call('set', name, (e) => e.setPassword(value), [value]),
      delete: (name) => call('delete', name, (e) => e.deleteCredential()),
    },
    backendName(),
    'keychain',
  )
}

function keychainTimeout(
  context: { operation: Operation; name: StoredSecretName; service: string },
  timeoutMs: number,
  earlierRequest: boolean,
): GatehouseError {
  const what = describe(context.operation, context.name, context.service)
  return new GatehouseError({
    code: 'KEYCHAIN_TIMEOUT',
    message: earlierRequest
      ? `${what}: an earlier keychain request is still waiting for an answer, so Gatehouse sends no more.`
      : `${what}: no answer within ${timeoutMs} ms.`,
    hint: `${lockedHint} An unlock prompt may be waiting on the desktop.`,
    details: {
      operation: context.operation,
      secret: context.name,
      service: context.service,
      backend: backendName(),
      timeoutMs,
      waitingForEarlierRequest: earlierRequest,
    },
  })
}

/** For other modules' unit tests only: the same contract, kept in a Map. */
export function createMemoryStore(initial: Partial<Record<SecretName, string>> = {}): SecretStore {
  const values = new Map<StoredSecretName, string>(
    Object.entries(initial) as Array<[SecretName, string]>,
  )
  return storeFrom(
    {
      get: async (name) => values.get(name) ?? null,
      set: async (name, value) => void values.set(name, value),
      delete: async (name) => values.delete(name),
    },
    'memory',
    'memory',
  )
}

/**
 * The names of every Gatehouse secret the keychain holds under `service` (the closed list and
 * integration secrets), for `gatehouse secrets migrate`: integration secrets are open-ended, so
 * they can only be found by asking the keychain. Entries of other shapes are ignored.
 */
export async function listKeychainSecretNames(service = 'gatehouse'): Promise<StoredSecretName[]> {
  try {
    const { findCredentialsAsync } = await import('@napi-rs/keyring')
    const found = await findCredentialsAsync(service)
    return found
      .map((c) => c.account)
      .filter(
        (name): name is StoredSecretName =>
          (secretNames as readonly string[]).includes(name) ||
          isIntegrationSecretName(name) ||
          isHostSecretName(name),
      )
      .sort()
  } catch (error) {
    const failure = keychainFailure(error, { operation: 'get', name: 'bootstrapToken', service })
    throw new GatehouseError({
      ...failure.toData(),
      message: `Could not list Gatehouse's secrets in the OS keychain (service "${service}"): ${String(failure.details?.cause ?? failure.message)}.`,
    })
  }
}
