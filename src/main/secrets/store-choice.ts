import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GatehouseError } from '../../shared/errors'
import { writeFileAtomic } from '../settings/atomic-write'
import { vaultFileName } from './vault-file'

/**
 * Which store a data folder keeps its secrets in, recorded in `secret-store.json` next to the
 * settings (no secret in it). No file means the OS keychain, as before the vault existed. The
 * choice is only ever written by `gatehouse secrets init-vault` / `migrate`: Gatehouse never
 * switches stores by itself, because secrets in the other store would look missing and be
 * generated anew (a new database password the running stack does not know).
 */
export type StoreChoice = 'keychain' | 'vault'

export const storeChoiceFile = 'secret-store.json'

export const vaultPath = (dataDir: string): string => join(dataDir, vaultFileName)

export function readStoreChoice(dataDir: string): StoreChoice {
  const path = join(dataDir, storeChoiceFile)
  if (!existsSync(path)) return 'keychain'
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw badChoice(path, (error as Error).message)
  }
  const store = (parsed as { store?: unknown } | null)?.store
  if (store === 'keychain' || store === 'vault') return store
  throw badChoice(path, 'its "store" is neither "keychain" nor "vault"')
}

function badChoice(path: string, cause: string): GatehouseError {
  return new GatehouseError({
    code: 'SETTINGS_INVALID',
    message: `${path} (which secret store this data folder uses) cannot be read: ${cause}.`,
    hint: 'Write {"store":"vault"} or {"store":"keychain"} into it, whichever holds your secrets.',
    details: { path },
  })
}

export async function writeStoreChoice(dataDir: string, store: StoreChoice): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  await writeFileAtomic(
    join(dataDir, storeChoiceFile),
    JSON.stringify({ store, ...(store === 'vault' ? { file: vaultFileName } : {}) }) + '\n',
    0o600,
  )
}
