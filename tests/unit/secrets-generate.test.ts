import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { GatehouseError } from '../../src/shared/errors'
import { generateSecret, secretAlphabet } from '../../src/main/secrets/generate'
import {
  createKeychainStore,
  createMemoryStore,
  secretNames,
  type KeychainEntry,
} from '../../src/main/secrets/store'

const alphanumeric = /^[A-Za-z0-9]+$/

describe('generateSecret', () => {
  test('defaults to 64 letters and digits', () => {
    const secret = generateSecret()
    expect(secret).toHaveLength(64)
    expect(secret).toMatch(alphanumeric)
  })

  test('any length from 50 up gives exactly that many letters and digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 1024 }), (length) => {
        const secret = generateSecret(length)
        expect(secret).toHaveLength(length)
        expect(secret).toMatch(alphanumeric)
      }),
    )
  })

  test('refuses lengths under 50 and non-integers', () => {
    fc.assert(
      fc.property(fc.integer({ max: 49 }), (length) => {
        expect(() => generateSecret(length)).toThrow(RangeError)
      }),
    )
    for (const length of [50.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => generateSecret(length)).toThrow(RangeError)
    }
  })

  test('values do not repeat', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => generateSecret(50)))
    expect(seen.size).toBe(2000)
  })

  test('every character is equally likely (no modulo bias)', () => {
    // 200 000 characters: ~3 226 per character, standard deviation ~56. A `byte % 62` bias would
    // put 8 characters 25 % above the others; a ±10 % band (over 5 sigma) catches it, never noise.
    const counts = new Map<string, number>()
    for (let i = 0; i < 20; i++) {
      for (const ch of generateSecret(10_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1)
    }
    const expected = 200_000 / secretAlphabet.length
    expect([...counts.keys()].sort().join('')).toBe([...secretAlphabet].sort().join(''))
    for (const [ch, count] of counts) {
      expect({ ch, off: Math.abs(count - expected) / expected < 0.1 }).toEqual({ ch, off: true })
    }
  })
})

/** A keychain that fails the way a careless native library might: echoing what it was given. */
function leakyEntry(template: (password: string) => string, seen: string[]): KeychainEntry {
  return {
    getPassword: async () => null,
    setPassword: async (password) => {
      seen.push(password)
      throw new Error(template(password))
    },
    deleteCredential: async () => false,
  }
}

const leakyMessages: Array<(password: string) => string> = [
  (p) => `Platform failure: refused to store "${p}"`,
  (p) => `Couldn't access platform storage: Secret Service: unlock prompt was dismissed (${p})`,
  (p) => `DBus error: Did not receive a reply for SetSecret(${p}${p})`,
  (p) => p,
]

function everything(error: unknown): string {
  expect(error).toBeInstanceOf(GatehouseError)
  const e = error as GatehouseError
  return [e.message, e.hint, JSON.stringify(e.details), JSON.stringify(e.toData()), String(e)].join(
    '\n',
  )
}

describe('errors from the keychain store never carry a secret value', () => {
  test('set: whatever the library echoes, the value is redacted', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Realistic secrets: typed passwords of 8+ characters, or generated ones.
        fc.oneof(
          fc.string({ minLength: 8, maxLength: 80 }),
          fc.integer({ min: 50, max: 128 }).map((n) => generateSecret(n)),
        ),
        fc.constantFrom(...leakyMessages),
        fc.constantFrom(...secretNames),
        async (value, template, name) => {
          fc.pre(!'[redacted]'.includes(value))
          const store = createKeychainStore({
            service: 'gatehouse-unit',
            openEntry: () => leakyEntry(template, []),
          })
          const error = await store.set(name, value).then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(everything(error)).not.toContain(value)
        },
      ),
    )
  })

  test('ensure: the value it generated stays out of the error', async () => {
    for (const template of leakyMessages) {
      const seen: string[] = []
      const store = createKeychainStore({
        service: 'gatehouse-unit',
        openEntry: () => leakyEntry(template, seen),
      })
      const error = await store.ensure('authentikSecretKey').catch((e: unknown) => e)
      expect(seen).toHaveLength(1)
      expect(everything(error)).not.toContain(seen[0])
      expect((error as GatehouseError).code).toMatch(/^KEYCHAIN_/)
    }
  })

  test('status reports presence, never values', async () => {
    const store = createMemoryStore({ postgresPassword: 'p'.repeat(60) })
    const status = await store.status()
    expect(status.available).toBe(true)
    expect(status.secrets.postgresPassword).toBe(true)
    expect(status.secrets.smtpPassword).toBe(false)
    expect(JSON.stringify(status)).not.toContain('p'.repeat(60))
  })
})

describe('createMemoryStore (for other modules’ tests)', () => {
  test('behaves like the keychain store: ensure is idempotent, delete reports what it did', async () => {
    const store = createMemoryStore()
    const first = await store.ensure('bootstrapToken')
    expect(first).toMatch(/^[A-Za-z0-9]{64}$/)
    await expect(store.ensure('bootstrapToken')).resolves.toBe(first)
    await expect(store.delete('bootstrapToken')).resolves.toBe(true)
    await expect(store.delete('bootstrapToken')).resolves.toBe(false)
    await expect(store.get('bootstrapToken')).resolves.toBeNull()
  })

  test('refuses names outside the closed list (without echoing them) and empty values', async () => {
    const store = createMemoryStore()
    // @ts-expect-error a name the UI might send that is not one of Gatehouse's secrets
    const error = await store.get('sshKey').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' })
    expect(everything(error)).not.toContain('sshKey')
    await expect(store.set('smtpPassword', '')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
  })
})
