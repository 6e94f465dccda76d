import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { GatehouseError, type GatehouseErrorData } from '../../shared/errors'
import { readNewPassphrase, readPassphrase, type PassphraseSource } from './passphrase'
import {
  createKeychainStore,
  listKeychainSecretNames,
  type SecretStore,
  type StoredSecretName,
} from './store'
import { readStoreChoice, vaultPath, writeStoreChoice, type StoreChoice } from './store-choice'
import { vaultScryptLogN } from './vault-file'
import { createVault, unlockVault, type VaultStore } from './vault-store'
import type { HostSecretIO } from './choose-store'

/**
 * The two CLI commands that are not contract methods, because they read a passphrase from the
 * terminal or a file of the machine and must never be reachable from the browser host:
 * `gatehouse secrets init-vault` and `gatehouse secrets migrate --to vault|keychain`.
 */
export interface VaultCommandContext {
  io: HostSecretIO
  dataDir: string
  passphrase: PassphraseSource
  keychainService: string
}

export const vaultCommandsHelp = `Secret store commands (no keychain on this machine? see README, "headless NAS"):
  gatehouse secrets init-vault [--passphrase-file <path>]
      Creates the encrypted vault (age, scrypt 2^${vaultScryptLogN}) in the data folder and makes it the
      secret store. The passphrase is typed twice on the terminal (no echo) or read from the first
      line of <path> (a systemd credential, a Docker secret, /dev/fd/N).
  gatehouse secrets migrate --to vault|keychain [--passphrase-file <path>]
      Moves every Gatehouse secret to the other store, checks each one, switches the data folder
      to it, then removes them from the old store.
Every other command takes --passphrase-file too when the data folder uses a vault.`

/** Null when `argv` is not one of these commands (the contract's CLI handles it). */
export async function runVaultCommand(
  argv: readonly string[],
  context: VaultCommandContext,
): Promise<number | null> {
  if (argv[0] !== 'secrets' || (argv[1] !== 'init-vault' && argv[1] !== 'migrate')) return null
  const { io } = context
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(vaultCommandsHelp)
    return 0
  }
  try {
    if (argv[1] === 'init-vault') {
      if (argv.length > 2) return usage(io, `Unknown argument ${argv[2]!}.`)
      io.stdout(JSON.stringify(await initVault(context), null, 2))
      return 0
    }
    const rest = argv.slice(2)
    const to = rest[0] === '--to' ? rest[1] : rest[0]?.startsWith('--to=') ? rest[0].slice(5) : ''
    const expected = rest[0] === '--to' ? 2 : 1
    if ((to !== 'vault' && to !== 'keychain') || rest.length !== expected) {
      return usage(io, 'Say where to: gatehouse secrets migrate --to vault (or --to keychain).')
    }
    io.stdout(JSON.stringify(await migrate(context, to), null, 2))
    return 0
  } catch (error) {
    const data = printError(io, error)
    return data.code === 'VALIDATION_FAILED' ? 2 : 1
  }
}

function usage(io: HostSecretIO, message: string): number {
  io.stderr(`error [VALIDATION_FAILED]: ${message}`)
  io.stderr('hint: Run `gatehouse secrets init-vault --help` for the usage.')
  return 2
}

async function initVault(context: VaultCommandContext) {
  const { dataDir, io } = context
  const path = vaultPath(dataDir)
  // A keychain that already holds Gatehouse's secrets would be silently abandoned: the stack's
  // passwords would be generated anew. Moving them is `migrate`'s job.
  const inKeychain = await listKeychainSecretNames(context.keychainService).catch(() => [])
  if (inKeychain.length > 0 && readStoreChoice(dataDir) === 'keychain') {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `The OS keychain already holds ${inKeychain.length} Gatehouse secret(s) for this install; an empty vault would hide them.`,
      hint: 'Move them instead: gatehouse secrets migrate --to vault',
      details: { secrets: inKeychain },
    })
  }
  const passphrase = await readNewPassphrase(context.passphrase, io)
  await createVault({ path, passphrase, warn: io.stderr })
  await writeStoreChoice(dataDir, 'vault')
  io.stderr(
    `The vault ${path} is created (mode 0600) and is now this data folder's secret store. ` +
      'Keep the passphrase safe: without it the secrets cannot be recovered.',
  )
  return { store: 'vault' as const, path, kdf: `scrypt N=2^${vaultScryptLogN} r=8 p=1` }
}

interface Side {
  kind: StoreChoice
  store: SecretStore
  names(): Promise<StoredSecretName[]>
  /** Removes what migrate copied away, once the other store holds and serves it. */
  clear(names: StoredSecretName[]): Promise<void>
  setMany(values: ReadonlyMap<StoredSecretName, string>): Promise<void>
}

async function openVaultSide(context: VaultCommandContext, create: boolean): Promise<Side> {
  const path = vaultPath(context.dataDir)
  let vault: VaultStore
  if (existsSync(path)) {
    const passphrase = await readPassphrase(context.passphrase, context.io)
    vault = await unlockVault({ path, passphrase, warn: context.io.stderr })
  } else if (create) {
    const passphrase = await readNewPassphrase(context.passphrase, context.io)
    vault = await createVault({ path, passphrase, warn: context.io.stderr })
  } else {
    throw new GatehouseError({
      code: 'VAULT_MISSING',
      message: `The secret vault ${path} does not exist, but this data folder is set to keep its secrets there.`,
      hint: 'Restore the file from a backup, then retry.',
      details: { path },
    })
  }
  return {
    kind: 'vault',
    store: vault,
    names: () => vault.names(),
    setMany: (values) => vault.setMany(values),
    // The whole file goes: every secret in it was moved.
    clear: async () => rm(path, { force: true }),
  }
}

function keychainSide(context: VaultCommandContext): Side {
  const store = createKeychainStore({ service: context.keychainService })
  return {
    kind: 'keychain',
    store,
    names: () => listKeychainSecretNames(context.keychainService),
    setMany: async (values) => {
      for (const [name, value] of values) await store.set(name, value)
    },
    clear: async (names) => {
      for (const name of names) await store.delete(name)
    },
  }
}

async function migrate(context: VaultCommandContext, to: StoreChoice) {
  const from = readStoreChoice(context.dataDir)
  if (from === to) {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `This data folder already keeps its secrets in the ${to}.`,
      hint: `Nothing to move. \`gatehouse secrets status\` shows the store in use.`,
    })
  }
  const source = from === 'vault' ? await openVaultSide(context, false) : keychainSide(context)
  // The source is read before the target is opened, so a locked keychain fails before the admin
  // types a new vault passphrase twice.
  const names = await source.names()
  const values = new Map<StoredSecretName, string>()
  for (const name of names) {
    const value = await source.store.get(name)
    if (value) values.set(name, value)
  }
  const target = to === 'vault' ? await openVaultSide(context, true) : keychainSide(context)
  await target.setMany(values)
  // Every value is read back from the target before anything is switched or removed.
  for (const [name, value] of values) {
    if ((await target.store.get(name)) !== value) {
      throw new GatehouseError({
        code: to === 'vault' ? 'VAULT_IO_FAILED' : 'KEYCHAIN_UNAVAILABLE',
        message: `The secret "${name}" reads back differently from the ${to}; nothing was switched or removed.`,
        hint: 'Retry; the secrets are still in the old store, which stays in use.',
      })
    }
  }
  // Switch first, remove second: a crash in between leaves two copies, never none.
  await writeStoreChoice(context.dataDir, to)
  await source.clear([...values.keys()])
  context.io.stderr(
    `Moved ${values.size} secret(s) from the ${from} to the ${to}; this data folder now uses the ${to}.`,
  )
  return { from, to, moved: [...values.keys()] }
}

/** An error as the CLI prints every error: `error [CODE]: message` and `hint: …` on stderr. */
export function printError(
  io: { stderr: (text: string) => void },
  error: unknown,
): GatehouseErrorData {
  const data: GatehouseErrorData =
    error instanceof GatehouseError
      ? error.toData()
      : { code: 'INTERNAL', message: String(error), hint: 'Retry.' }
  io.stderr(`error [${data.code}]: ${data.message}`)
  io.stderr(`hint: ${data.hint}`)
  return data
}
