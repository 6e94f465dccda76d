import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import {
  createKeychainStore,
  listKeychainSecretNames,
  secretNames,
  type StoredSecretName,
} from '../../src/main/secrets/store'
import { unlockVault } from '../../src/main/secrets/vault-store'

/**
 * `gatehouse secrets migrate`: keychain → vault → keychain with every secret intact, through the
 * real bin. Runs inside scripts/with-keyring.sh (a private session bus with a fresh, unlocked
 * gnome-keyring); the keychain entries live under a service of this run only.
 */
const root = join(import.meta.dirname, '..', '..')
const bin = join(root, 'bin', 'gatehouse.mjs')
const work = mkdtempSync(join(tmpdir(), 'gh-migrate-'))
const dataDir = join(work, 'data')
const service = `gatehouse-test-migrate-${randomBytes(4).toString('hex')}`
const keychain = createKeychainStore({ service })
const passphraseFile = join(work, 'passphrase')
const passphrase = `migrate-pass-${randomBytes(8).toString('hex')}`
const env = { ...process.env, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_KEYCHAIN_SERVICE: service }

// Every name the product stores: the closed list and both shapes of integration secrets.
const originals = new Map<StoredSecretName, string>([
  ...secretNames.map((n) => [n, `${n}-${randomBytes(24).toString('hex')}`] as const),
  ['integration:immich:clientSecret', `immich-${randomBytes(24).toString('hex')}`],
  ['integration:servarr:password:radarr', `radarr-${randomBytes(24).toString('hex')}`],
])
const allNames = [...originals.keys()].sort()

function gatehouse(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', input: '' })
}

afterAll(async () => {
  for (const name of allNames) await keychain.delete(name).catch(() => false)
  rmSync(work, { recursive: true, force: true })
})

describe('gatehouse secrets migrate', () => {
  test('keychain → vault → keychain: every secret intact, the old store emptied each time', async () => {
    writeFileSync(passphraseFile, `${passphrase}\n`, { mode: 0o600 })
    for (const [name, value] of originals) await keychain.set(name, value)
    expect(await listKeychainSecretNames(service)).toEqual(allNames)

    // An empty vault would hide the keychain's secrets: init-vault sends the admin to migrate.
    const refused = gatehouse('secrets', 'init-vault', '--passphrase-file', passphraseFile)
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/migrate --to vault/)
    expect(existsSync(join(dataDir, 'secrets.age'))).toBe(false)

    const toVault = gatehouse(
      'secrets',
      'migrate',
      '--to',
      'vault',
      '--passphrase-file',
      passphraseFile,
    )
    expect(toVault.status, toVault.stderr).toBe(0)
    expect(JSON.parse(toVault.stdout)).toMatchObject({ from: 'keychain', to: 'vault' })
    expect((JSON.parse(toVault.stdout) as { moved: string[] }).moved.sort()).toEqual(allNames)
    expect(JSON.parse(readFileSync(join(dataDir, 'secret-store.json'), 'utf8'))).toMatchObject({
      store: 'vault',
    })
    expect(await listKeychainSecretNames(service)).toEqual([])
    const vault = await unlockVault({ path: join(dataDir, 'secrets.age'), passphrase })
    expect(await vault.names()).toEqual(allNames)
    for (const [name, value] of originals) expect(await vault.get(name)).toBe(value)

    const status = gatehouse('secrets', 'status', '--passphrase-file', passphraseFile)
    expect(JSON.parse(status.stdout)).toMatchObject({
      available: true,
      store: 'vault',
      secrets: Object.fromEntries(secretNames.map((n) => [n, true])),
    })
    const again = gatehouse(
      'secrets',
      'migrate',
      '--to',
      'vault',
      '--passphrase-file',
      passphraseFile,
    )
    expect(again.status).toBe(2)
    expect(again.stderr).toMatch(/already keeps its secrets in the vault/)

    // A wrong passphrase moves nothing.
    const wrong = join(work, 'wrong')
    writeFileSync(wrong, 'wrong passphrase, really\n', { mode: 0o600 })
    const refusedBack = gatehouse(
      'secrets',
      'migrate',
      '--to',
      'keychain',
      '--passphrase-file',
      wrong,
    )
    expect(refusedBack.status).toBe(1)
    expect(refusedBack.stderr).toContain('VAULT_WRONG_PASSPHRASE')
    expect(await listKeychainSecretNames(service)).toEqual([])

    const back = gatehouse(
      'secrets',
      'migrate',
      '--to',
      'keychain',
      '--passphrase-file',
      passphraseFile,
    )
    expect(back.status, back.stderr).toBe(0)
    expect((JSON.parse(back.stdout) as { moved: string[] }).moved.sort()).toEqual(allNames)
    expect(existsSync(join(dataDir, 'secrets.age'))).toBe(false)
    expect(await listKeychainSecretNames(service)).toEqual(allNames)
    for (const [name, value] of originals) expect(await keychain.get(name)).toBe(value)
    expect(JSON.parse(gatehouse('secrets', 'status').stdout)).toMatchObject({
      available: true,
      store: 'keychain',
      secrets: Object.fromEntries(secretNames.map((n) => [n, true])),
    })
    // The passphrase went through a file only: never into an output.
    for (const run of [toVault, status, back]) {
      expect(run.stdout + run.stderr).not.toContain(passphrase)
    }
  }, 120_000)
})
