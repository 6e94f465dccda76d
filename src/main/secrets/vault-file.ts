import { lstat, chmod, readFile } from 'node:fs/promises'
import { GatehouseError } from '../../shared/errors'
import { writeFileAtomic } from '../settings/atomic-write'
import type { StoredSecretName } from './store'

/**
 * The vault file: Gatehouse's secrets as JSON, encrypted with age (https://age-encryption.org,
 * the `age-encryption` package) to a passphrase through age's scrypt recipient, ASCII-armored so
 * the standard `age -d` can open it too. Gatehouse does no cryptography of its own here: age picks
 * the random file key, wraps it with scrypt(passphrase, random salt) and ChaCha20-Poly1305, MACs
 * the header and encrypts the payload in authenticated chunks (so truncation is detected).
 */
export const vaultFileName = 'secrets.age'

/**
 * scrypt cost as log2(N), with age's fixed r = 8, p = 1: 2^15 = 32 MiB of memory per guess.
 * Measured by bench/vault-unlock.ts on this 2-core EPYC while it was shared (load 12): unlock
 * 430 ms at 2^15, 1.1 s at 2^16, 4.1 s at 2^18 (age's default). Three reasons for 2^15:
 * - unlock must stay under 1 s, also on a NAS CPU (a Celeron or an ARM core is 2–3x slower than
 *   this one) and on a busy box; 2^16 already missed it here under load;
 * - age's scrypt (@noble/hashes) runs synchronously, and every write re-encrypts the file with a
 *   fresh salt, so each write holds the browser host's event loop for one scrypt run;
 * - the passphrase carries the security: `init-vault` demands 12+ characters and SECURITY.md asks
 *   for 4–5 random words; 2^15 makes each guess cost an attacker 32 MiB and ~0.1–0.2 s of a core.
 * age refuses to decrypt above 2^20, so any age tool opens the file (`age -d secrets.age`).
 */
export const vaultScryptLogN = 15

/** Shortest passphrase `init-vault` accepts: scrypt slows guessing, it cannot save a short one. */
export const minPassphraseLength = 12

const format = 'gatehouse-vault'

export interface VaultContent {
  format: typeof format
  version: 1
  secrets: Partial<Record<StoredSecretName, string>>
}

// age-encryption is ESM only; the main bundles are CommonJS-compatible, so load it on first use.
type Age = typeof import('age-encryption')
let age: Promise<Age> | undefined
const loadAge = (): Promise<Age> => (age ??= import('age-encryption'))

export async function encryptVault(
  secrets: VaultContent['secrets'],
  passphrase: string,
  logN = vaultScryptLogN,
): Promise<string> {
  const { Encrypter, armor } = await loadAge()
  const encrypter = new Encrypter()
  encrypter.setPassphrase(passphrase)
  encrypter.setScryptWorkFactor(logN)
  const content: VaultContent = { format, version: 1, secrets }
  return armor.encode(await encrypter.encrypt(JSON.stringify(content)))
}

function damaged(path: string, cause: string): GatehouseError {
  return new GatehouseError({
    code: 'VAULT_DAMAGED',
    message: `The secret vault ${path} is damaged or truncated (${cause}); Gatehouse will not read or overwrite it.`,
    hint: 'Restore the file from a backup (it is safe to back up: it is encrypted). Gatehouse never replaces a vault it cannot read, so nothing else was changed.',
    details: { path, cause },
  })
}

/** Decrypts and checks a vault's text; a wrong passphrase and a damaged file are told apart. */
export async function decryptVault(
  text: string,
  passphrase: string,
  path: string,
): Promise<VaultContent['secrets']> {
  const { Decrypter, armor } = await loadAge()
  let bytes: Uint8Array
  try {
    bytes = armor.decode(text)
  } catch (error) {
    throw damaged(path, `not an age file: ${(error as Error).message}`)
  }
  const decrypter = new Decrypter()
  decrypter.addPassphrase(passphrase)
  let plain: string
  try {
    plain = await decrypter.decrypt(bytes, 'text')
  } catch (error) {
    const cause = (error as Error).message
    // age's scrypt identity answers "no identity matched" when the passphrase-derived key does
    // not open the wrapped file key: the passphrase is wrong (or the salt was altered).
    if (/no identity matched/.test(cause)) {
      throw new GatehouseError({
        code: 'VAULT_WRONG_PASSPHRASE',
        message: `The passphrase does not open the secret vault ${path}.`,
        hint: 'Check the passphrase (or the file given with --passphrase-file: one line, no extra spaces) and retry. The vault was not changed.',
        details: { path },
      })
    }
    throw damaged(path, cause)
  }
  let content: unknown
  try {
    content = JSON.parse(plain)
  } catch {
    throw damaged(path, 'its content is not JSON')
  }
  const c = content as Partial<VaultContent> | null
  if (
    !c ||
    c.format !== format ||
    c.version !== 1 ||
    typeof c.secrets !== 'object' ||
    c.secrets === null ||
    Object.values(c.secrets).some((v) => typeof v !== 'string')
  ) {
    throw damaged(path, 'it is not a Gatehouse vault of a version this release reads')
  }
  return c.secrets
}

function ioFailure(path: string, what: string, error: unknown): GatehouseError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') {
    return new GatehouseError({
      code: 'VAULT_MISSING',
      message: `The secret vault ${path} does not exist, but this data folder is set to keep its secrets there.`,
      hint: 'Restore the file from a backup. Gatehouse does not create an empty vault in its place, because it would generate new passwords that the existing stack does not know. To start afresh: gatehouse secrets init-vault.',
      details: { path },
    })
  }
  return new GatehouseError({
    code: 'VAULT_IO_FAILED',
    message: `Could not ${what} the secret vault ${path}: ${(error as Error).message}.`,
    hint: 'Check that the data folder is on a writable disk and belongs to the user running Gatehouse.',
    details: { path, cause: code ?? String(error) },
  })
}

/** File identity used to notice that another process (the CLI next to `serve`) rewrote it. */
export interface VaultStamp {
  ino: number
  size: number
  mtimeMs: number
}

/**
 * Reads the vault file after checking it: a regular file of this user, mode 0600. Wider
 * permissions are narrowed with a warning (the content is encrypted, but its owner alone should
 * read it); a file of another user, or a link, is refused.
 */
export async function readVaultFile(
  path: string,
  warn: (text: string) => void,
): Promise<{ text: string; stamp: VaultStamp }> {
  let info
  try {
    info = await lstat(path)
  } catch (error) {
    throw ioFailure(path, 'read', error)
  }
  if (!info.isFile()) {
    throw new GatehouseError({
      code: 'VAULT_IO_FAILED',
      message: `The secret vault ${path} is not a regular file (a link or a folder); Gatehouse refuses it.`,
      hint: 'Put the vault file itself in the data folder.',
      details: { path },
    })
  }
  if (process.platform !== 'win32') {
    const uid = process.getuid?.()
    if (uid !== undefined && info.uid !== uid) {
      throw new GatehouseError({
        code: 'VAULT_IO_FAILED',
        message: `The secret vault ${path} belongs to another user (uid ${info.uid}); Gatehouse refuses it.`,
        hint: 'Run Gatehouse as the user that owns its data folder, or chown the file to that user.',
        details: { path, owner: info.uid },
      })
    }
    if ((info.mode & 0o777) !== 0o600) {
      try {
        await chmod(path, 0o600)
      } catch (error) {
        throw ioFailure(path, 'restrict the permissions of', error)
      }
      warn(
        `warning: the secret vault ${path} had mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}; set it back to 0600 (only you may read it).`,
      )
    }
  }
  try {
    const text = await readFile(path, 'utf8')
    return { text, stamp: stampOf(info) }
  } catch (error) {
    throw ioFailure(path, 'read', error)
  }
}

export async function currentStamp(path: string): Promise<VaultStamp | null> {
  try {
    return stampOf(await lstat(path))
  } catch {
    return null
  }
}

const stampOf = (info: { ino: number; size: number; mtimeMs: number }): VaultStamp => ({
  ino: info.ino,
  size: info.size,
  mtimeMs: info.mtimeMs,
})

export const sameStamp = (a: VaultStamp | null, b: VaultStamp | null): boolean =>
  !!a && !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs

/** Temp file + fsync + rename + folder fsync: a crash leaves the old vault or the new one. */
export async function writeVaultFile(path: string, text: string): Promise<VaultStamp> {
  try {
    await writeFileAtomic(path, text, 0o600)
  } catch (error) {
    throw ioFailure(path, 'write', error)
  }
  const stamp = await currentStamp(path)
  if (!stamp) throw ioFailure(path, 'read back', new Error('it vanished right after the write'))
  return stamp
}
