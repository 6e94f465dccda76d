import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  AdminHandoverInput,
  generatePassword,
  tokenIdentifier,
} from '../../src/main/recipes/r1-admin-handover'
import { normalizeBaseUrl } from '../../src/main/authentik/url'
import { formatFingerprint, normalizeFingerprint } from '../../src/main/authentik/transport'

describe('R1 helpers', () => {
  test('token identifiers always fit the schema pattern', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (username) => {
        const id = tokenIdentifier(username)
        expect(id).toMatch(/^gatehouse-[-a-zA-Z0-9_]+$/)
        expect(id.length).toBeLessThanOrEqual(255)
      }),
    )
    expect(tokenIdentifier('alice@example.org')).toBe('gatehouse-alice_example_org')
  })

  test('generated passwords are at least 20 letters and digits, and differ', () => {
    const a = generatePassword()
    expect(a).toMatch(/^[A-Za-z0-9]{20,}$/)
    expect(generatePassword()).not.toBe(a)
  })

  test('input validation refuses akadmin, bad e-mail and short passwords', () => {
    const ok = { username: 'alice', name: 'Alice', email: 'alice@example.org' }
    expect(AdminHandoverInput.safeParse(ok).success).toBe(true)
    expect(AdminHandoverInput.safeParse({ ...ok, username: 'akadmin' }).success).toBe(false)
    expect(AdminHandoverInput.safeParse({ ...ok, username: 'a b' }).success).toBe(false)
    expect(AdminHandoverInput.safeParse({ ...ok, email: 'nope' }).success).toBe(false)
    expect(AdminHandoverInput.safeParse({ ...ok, password: 'short' }).success).toBe(false)
    expect(AdminHandoverInput.safeParse({ ...ok, extra: 1 }).success).toBe(false)
  })
})

describe('client helpers', () => {
  test.each([
    ['https://auth.example.org', 'https://auth.example.org'],
    ['https://auth.example.org/', 'https://auth.example.org'],
    ['https://auth.example.org/api/v3/', 'https://auth.example.org'],
    ['https://auth.example.org/if/admin/', 'https://auth.example.org'],
    ['http://127.0.0.1:9000', 'http://127.0.0.1:9000'],
  ])('base URL %s → %s', (input, expected) => {
    expect(normalizeBaseUrl(input)).toBe(expected)
  })

  test('base URLs that are not http(s) are refused', () => {
    expect(() => normalizeBaseUrl('ftp://x')).toThrow(/https:\/\//)
    expect(() => normalizeBaseUrl('auth.example.org')).toThrow(/not a URL/)
  })

  test('fingerprints compare in either notation', () => {
    expect(normalizeFingerprint('ab:cd:EF')).toBe('ABCDEF')
    expect(formatFingerprint('abcdef')).toBe('AB:CD:EF')
  })
})
