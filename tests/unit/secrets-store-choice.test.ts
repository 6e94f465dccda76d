import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { GatehouseError } from '../../src/shared/errors'
import { takePassphraseFileOption } from '../../src/main/secrets/passphrase'
import { readStoreChoice, writeStoreChoice } from '../../src/main/secrets/store-choice'
import { defaultSecretStore, lazyStore } from '../../src/main/secrets/choose-store'
import { createMemoryStore } from '../../src/main/secrets/store'

const work = mkdtempSync(join(tmpdir(), 'gh-choice-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('--passphrase-file', () => {
  test('is taken out of the command line in both spellings; the rest stays in order', () => {
    expect(
      takePassphraseFileOption([
        'stack',
        'up',
        '--passphrase-file',
        '/run/creds/pp',
        '--json',
        '{}',
      ]),
    ).toEqual({ argv: ['stack', 'up', '--json', '{}'], file: '/run/creds/pp' })
    expect(takePassphraseFileOption(['--passphrase-file=/dev/fd/3', 'secrets', 'status'])).toEqual({
      argv: ['secrets', 'status'],
      file: '/dev/fd/3',
    })
    expect(takePassphraseFileOption(['secrets', 'status'])).toEqual({
      argv: ['secrets', 'status'],
    })
  })

  test('a relative path is read from where the user typed the command (npm run moves)', () => {
    expect(
      takePassphraseFileOption(['--passphrase-file', 'pp'], { INIT_CWD: '/home/nas' }),
    ).toEqual({ argv: [], file: '/home/nas/pp' })
  })

  test('without a path it is a usage error, never a passphrase read from the next word', () => {
    expect(takePassphraseFileOption(['--passphrase-file']).error).toMatch(/needs the path/)
    expect(takePassphraseFileOption(['--passphrase-file='], {}).error).toMatch(/needs the path/)
  })
})

describe('store choice', () => {
  test('no marker means the keychain; the marker holds the kind and never a secret', async () => {
    const dir = join(work, 'a')
    expect(readStoreChoice(dir)).toBe('keychain')
    await writeStoreChoice(dir, 'vault')
    expect(readStoreChoice(dir)).toBe('vault')
    await writeStoreChoice(dir, 'keychain')
    expect(readStoreChoice(dir)).toBe('keychain')
  })

  test('an unreadable marker is an error that says what to write, not a silent default', () => {
    const dir = mkdtempSync(join(work, 'b-'))
    writeFileSync(join(dir, 'secret-store.json'), '{"store":"floppy"}')
    expect(() => readStoreChoice(dir)).toThrow(GatehouseError)
    expect(() => readStoreChoice(dir)).toThrow(/neither "keychain" nor "vault"/)
  })

  test('a host that cannot ask for the passphrase gets VAULT_LOCKED, not an empty keychain', async () => {
    const dir = mkdtempSync(join(work, 'c-'))
    await writeStoreChoice(dir, 'vault')
    const store = defaultSecretStore(dir)
    await expect(store.get('postgresPassword')).rejects.toMatchObject({ code: 'VAULT_LOCKED' })
    expect(await store.status()).toMatchObject({
      available: false,
      store: 'vault',
      error: { code: 'VAULT_LOCKED', hint: expect.stringMatching(/migrate --to keychain/) },
    })
  })
})

describe('lazyStore', () => {
  test('opens on first use only, and once however many calls race', async () => {
    let opened = 0
    const store = lazyStore(async () => {
      opened++
      return createMemoryStore({ postgresPassword: 'p'.repeat(60) })
    })
    expect(opened).toBe(0)
    const values = await Promise.all([
      store.get('postgresPassword'),
      store.ensure('authentikSecretKey'),
      store.status(),
    ])
    expect(opened).toBe(1)
    expect(values[0]).toBe('p'.repeat(60))
  })

  test('a failed unlock is not retried (one prompt per run) and status reports it', async () => {
    let opened = 0
    const store = lazyStore(() => {
      opened++
      return Promise.reject(
        new GatehouseError({ code: 'VAULT_WRONG_PASSPHRASE', message: 'no', hint: 'retry' }),
      )
    })
    await expect(store.get('postgresPassword')).rejects.toMatchObject({
      code: 'VAULT_WRONG_PASSPHRASE',
    })
    expect(await store.status()).toMatchObject({
      available: false,
      error: { code: 'VAULT_WRONG_PASSPHRASE' },
    })
    expect(opened).toBe(1)
  })
})
