import { lstat, mkdir, readdir, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { GatehouseError } from '../../shared/errors'
import { storeFrom, type SecretStore, type StoredSecretName } from './store'
import {
  currentStamp,
  decryptVault,
  encryptVault,
  minPassphraseLength,
  readVaultFile,
  sameStamp,
  writeVaultFile,
  type VaultContent,
  type VaultStamp,
} from './vault-file'

export interface VaultStore extends SecretStore {
  /** Every secret name the vault holds (for `gatehouse secrets migrate`). */
  names(): Promise<StoredSecretName[]>
  /** Several secrets in one write (one scrypt run instead of one per secret): for migrate. */
  setMany(values: ReadonlyMap<StoredSecretName, string>): Promise<void>
}

export interface VaultOptions {
  path: string
  /** Where permission fixes are reported (stderr in the hosts). Never given a secret. */
  warn?: (text: string) => void
  /** Tests and the bench only: another scrypt cost than the product's. */
  scryptLogN?: number
}

export const vaultBackend = 'age-vault'

/** Creates a new, empty vault; refuses to replace an existing file (it may hold live secrets). */
export async function createVault(
  options: VaultOptions & { passphrase: string },
): Promise<VaultStore> {
  const { path, passphrase } = options
  checkNewPassphrase(passphrase)
  const exists = await lstat(path).then(
    () => true,
    () => false,
  )
  if (exists) {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `A secret vault already exists at ${path}; Gatehouse does not replace it.`,
      hint: 'Use the existing vault (serve --passphrase-file …), or move the file away first if you really mean to start afresh.',
      details: { path },
    })
  }
  // The data folder may not exist yet on a fresh machine: init-vault is then the first command.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const stamp = await writeVaultFile(path, await encryptVault({}, passphrase, options.scryptLogN))
  return vaultStore(options, passphrase, {}, stamp)
}

export function checkNewPassphrase(passphrase: string): void {
  if ([...passphrase].length < minPassphraseLength) {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `The vault passphrase must be at least ${minPassphraseLength} characters long.`,
      hint: 'Use a long passphrase (4–5 random words, or 16+ random characters): it is all that protects the vault file if someone copies it.',
    })
  }
}

/**
 * Opens an existing vault: the file is checked and decrypted once here (a wrong passphrase or a
 * damaged file throws, and nothing is written), then kept in memory for the life of the process.
 */
export async function unlockVault(
  options: VaultOptions & { passphrase: string },
): Promise<VaultStore> {
  const warn = options.warn ?? (() => {})
  const { text, stamp } = await readVaultFile(options.path, warn)
  await removeStaleTempFiles(options.path)
  const secrets = await decryptVault(text, options.passphrase, options.path)
  return vaultStore(options, options.passphrase, secrets, stamp)
}

function vaultStore(
  options: VaultOptions,
  passphrase: string,
  initial: VaultContent['secrets'],
  initialStamp: VaultStamp,
): VaultStore {
  const { path } = options
  const warn = options.warn ?? (() => {})
  let secrets = { ...initial }
  let stamp: VaultStamp = initialStamp
  // Writes run one at a time: each one re-encrypts the whole file.
  let queue: Promise<unknown> = Promise.resolve()

  /**
   * Another process with the same data folder (the CLI next to `serve`) may have rewritten the
   * vault: its file identity changed, so read it again before answering or writing, or a write
   * here would bring back what the other process removed.
   */
  async function fresh(): Promise<VaultContent['secrets']> {
    const now = await currentStamp(path)
    if (sameStamp(now, stamp)) return secrets
    const read = await readVaultFile(path, warn)
    secrets = await decryptVault(read.text, passphrase, path)
    stamp = read.stamp
    return secrets
  }

  function serially<T>(job: () => Promise<T>): Promise<T> {
    const run = queue.then(job, job)
    queue = run.catch(() => undefined)
    return run
  }

  async function write(next: VaultContent['secrets']): Promise<void> {
    stamp = await writeVaultFile(path, await encryptVault(next, passphrase, options.scryptLogN))
    secrets = next
  }

  const store = storeFrom(
    {
      get: (name) => serially(async () => (await fresh())[name] ?? null),
      set: (name, value) =>
        serially(async () => {
          const current = await fresh()
          if (current[name] === value) return
          await write({ ...current, [name]: value })
        }),
      delete: (name) =>
        serially(async () => {
          const current = await fresh()
          if (!(name in current)) return false
          const next = { ...current }
          delete next[name]
          await write(next)
          return true
        }),
    },
    vaultBackend,
    'vault',
  )
  // The same name and value checks as `set`, without a write each (see setMany).
  const checks = storeFrom(
    { get: async () => null, set: async () => {}, delete: async () => false },
    vaultBackend,
    'vault',
  )
  return {
    ...store,
    names: () => serially(async () => (Object.keys(await fresh()) as StoredSecretName[]).sort()),
    setMany: async (values) => {
      for (const [name, value] of values) await checks.set(name, value)
      await serially(async () => write({ ...(await fresh()), ...Object.fromEntries(values) }))
    },
  }
}

/**
 * A writer killed mid-write leaves its temp file (`.secrets.age.tmp-<pid>-<random>`, encrypted,
 * never the vault itself) behind; those of processes that no longer run are removed.
 */
async function removeStaleTempFiles(path: string): Promise<void> {
  const prefix = `.${basename(path)}.tmp-`
  const names = await readdir(dirname(path)).catch(() => [] as string[])
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(name.slice(prefix.length).split('-')[0])
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue
    await rm(join(dirname(path), name), { force: true }).catch(() => undefined)
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
