import { resolveDataDir } from '../app/paths'
import { GatehouseError, type GatehouseErrorData } from '../../shared/errors'
import { secretNames, type SecretName } from '../../shared/contract/secrets'
import { createKeychainStore, type SecretStore, type SecretStoreStatus } from './store'
import {
  readPassphrase,
  takePassphraseFileOption,
  type PassphraseIO,
  type PassphraseSource,
} from './passphrase'
import { readStoreChoice, vaultPath } from './store-choice'
import { unlockVault, vaultBackend } from './vault-store'
import { printError, runVaultCommand } from './vault-cli'

/**
 * How `serve` and the CLI pick their secret store: the one the data folder records
 * (store-choice.ts), never a silent fallback. Each host calls one function here before building
 * its services and spreads `options` into them.
 */
export interface HostSecretSetup {
  /** The command line without `--passphrase-file <path>`. */
  argv: string[]
  /** Spread into createServices: a vault store when the data folder uses one. */
  options: { secretStore?: SecretStore }
  /** Set when the host must exit now (a vault command ran, or the vault could not be opened). */
  exitCode?: number
}

export interface HostSecretIO extends PassphraseIO {
  stdout: (text: string) => void
}

const keychainService = (env: NodeJS.ProcessEnv) => env.GATEHOUSE_KEYCHAIN_SERVICE || 'gatehouse'

function sourceOf(file: string | undefined): PassphraseSource {
  return file ? { kind: 'file', path: file } : { kind: 'terminal' }
}

/** `--passphrase-file` taken out of the command line (or a usage error, exit 2) and the data folder. */
function takeHostOptions(
  argv: readonly string[],
  io: HostSecretIO,
  env: NodeJS.ProcessEnv,
):
  | { refused: HostSecretSetup }
  | { taken: ReturnType<typeof takePassphraseFileOption>; dataDir: string } {
  const taken = takePassphraseFileOption(argv, env)
  if (taken.error) {
    io.stderr(`error [VALIDATION_FAILED]: ${taken.error}`)
    return { refused: { argv: taken.argv, options: {}, exitCode: 2 } }
  }
  return { taken, dataDir: resolveDataDir(env) }
}

/**
 * `npm run serve`: a vault is unlocked once, here, before the host listens (terminal prompt or
 * --passphrase-file), and stays unlocked for the life of the process. With the keychain, one
 * probe tells the admin at start when it cannot work and what the choice is.
 */
export async function secretsForServe(
  argv: readonly string[],
  io: HostSecretIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HostSecretSetup> {
  const start = takeHostOptions(argv, io, env)
  if ('refused' in start) return start.refused
  const { taken, dataDir } = start
  try {
    if (readStoreChoice(dataDir) === 'vault') {
      const path = vaultPath(dataDir)
      const passphrase = await readPassphrase(sourceOf(taken.file), io)
      const started = performance.now()
      const vault = await unlockVault({ path, passphrase, warn: io.stderr })
      io.stdout(
        `Secrets: the encrypted vault ${path} is unlocked for the life of this process (${Math.round(performance.now() - started)} ms).`,
      )
      return { argv: taken.argv, options: { secretStore: vault } }
    }
  } catch (error) {
    printError(io, error)
    return { argv: taken.argv, options: {}, exitCode: 1 }
  }
  if (taken.file) {
    io.stderr(
      'note: --passphrase-file is ignored: this data folder keeps its secrets in the OS keychain, not in a vault.',
    )
  }
  // Not awaited: a hung keyring must not hold the host's start (the probe times out on its own).
  void explainUnavailableKeychain(io, env)
  return { argv: taken.argv, options: {} }
}

/** One read from the keychain; when it fails, say so and what the two ways forward are. */
async function explainUnavailableKeychain(io: PassphraseIO, env: NodeJS.ProcessEnv) {
  const probe = await createKeychainStore({ service: keychainService(env) })
    .get('bootstrapToken')
    .then(
      () => null,
      (error: unknown) => error,
    )
  if (!probe) return
  const message = probe instanceof GatehouseError ? probe.message : String(probe)
  io.stderr(
    [
      `Secrets: the OS keychain is not available. ${message}`,
      'Gatehouse keeps its secrets only in the store you chose and never falls back to another by itself',
      '(secrets it cannot find would be generated anew). Two ways forward:',
      '  - on a desktop: run Gatehouse inside your desktop session, where the keyring is unlocked;',
      '  - on a headless machine (NAS, server): keep them in an encrypted vault file in the data folder:',
      '      npx gatehouse secrets init-vault --passphrase-file /path/to/passphrase   (or type it twice)',
      '      npm run serve -- --passphrase-file /path/to/passphrase',
      'Until then, Start cannot create or read a secret.',
    ].join('\n'),
  )
}

/**
 * The `gatehouse` CLI: runs `secrets init-vault` / `secrets migrate` itself; for every other
 * command with a vault, the passphrase is asked (or read from --passphrase-file) the first time
 * the command needs a secret, once per run.
 */
export async function secretsForCli(
  argv: readonly string[],
  io: HostSecretIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HostSecretSetup> {
  const start = takeHostOptions(argv, io, env)
  if ('refused' in start) return start.refused
  const { taken, dataDir } = start
  const vaultCommand = await runVaultCommand(taken.argv, {
    io,
    dataDir,
    passphrase: sourceOf(taken.file),
    keychainService: keychainService(env),
  })
  if (vaultCommand !== null) return { argv: taken.argv, options: {}, exitCode: vaultCommand }
  let choice
  try {
    choice = readStoreChoice(dataDir)
  } catch (error) {
    printError(io, error)
    return { argv: taken.argv, options: {}, exitCode: 1 }
  }
  if (choice !== 'vault') {
    if (taken.file) {
      io.stderr(
        'note: --passphrase-file is ignored: this data folder keeps its secrets in the OS keychain, not in a vault.',
      )
    }
    return { argv: taken.argv, options: {} }
  }
  const path = vaultPath(dataDir)
  const store = lazyStore(async () => {
    const passphrase = await readPassphrase(sourceOf(taken.file), io)
    return unlockVault({ path, passphrase, warn: io.stderr })
  })
  return { argv: taken.argv, options: { secretStore: store } }
}

/**
 * A store opened on first use (at most once per process, success or failure), so a CLI command
 * that needs no secret never asks for the passphrase.
 */
export function lazyStore(open: () => Promise<SecretStore>): SecretStore {
  let opened: Promise<SecretStore> | undefined
  const store = () => (opened ??= open())
  return {
    get: async (name) => (await store()).get(name),
    set: async (name, value) => (await store()).set(name, value),
    delete: async (name) => (await store()).delete(name),
    ensure: async (name) => (await store()).ensure(name),
    status: async (): Promise<SecretStoreStatus> => {
      try {
        return await (await store()).status()
      } catch (error) {
        return lockedStatus(error)
      }
    },
  }
}

function lockedStatus(error: unknown): SecretStoreStatus {
  const secrets = Object.fromEntries(secretNames.map((n) => [n, false])) as Record<
    SecretName,
    boolean
  >
  const data: GatehouseErrorData =
    error instanceof GatehouseError
      ? error.toData()
      : { code: 'INTERNAL', message: 'The vault failed unexpectedly.', hint: 'Retry.' }
  return { available: false, backend: vaultBackend, store: 'vault', secrets, error: data }
}

/**
 * The store for a host that cannot ask for a passphrase (the desktop app builds its services
 * without one): the keychain, unless the data folder uses a vault, in which case every call
 * fails with a clear VAULT_LOCKED instead of silently reading an empty keychain.
 */
export function defaultSecretStore(dataDir: string, service?: string): SecretStore {
  let choice
  try {
    choice = readStoreChoice(dataDir)
  } catch (error) {
    return lazyStore(() => Promise.reject(error))
  }
  if (choice === 'keychain') return createKeychainStore(service ? { service } : {})
  const locked = new GatehouseError({
    code: 'VAULT_LOCKED',
    message: `This data folder keeps its secrets in the encrypted vault ${vaultPath(dataDir)}, which this host cannot unlock.`,
    hint: 'Use `npm run serve -- --passphrase-file <path>` or the CLI with --passphrase-file; to use the desktop app, move the secrets first: gatehouse secrets migrate --to keychain.',
    details: { path: vaultPath(dataDir) },
  })
  return lazyStore(() => Promise.reject(locked))
}
