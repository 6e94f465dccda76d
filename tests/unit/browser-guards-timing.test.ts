/**
 * The browser host's token check must not leak through timing: it compares with
 * crypto.timingSafeEqual, always on two buffers of the same length, whatever length the caller
 * sent (a plain `===` or an early return on a length mismatch would tell an attacker how close
 * a guess is).
 */
import fc from 'fast-check'
import { beforeEach, describe, expect, test, vi } from 'vitest'

const calls = vi.hoisted(() => [] as [Buffer, Buffer][])
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>()
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([
        Buffer.from(a.buffer, a.byteOffset, a.byteLength),
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      ])
      return crypto.timingSafeEqual(a, b)
    },
  }
})

const { newToken, tokenMatches } = await import('../../src/main/hosts/browser/guards')

describe('token comparison', () => {
  beforeEach(() => void (calls.length = 0))

  test('goes through timingSafeEqual on equal-length buffers for any guess', () => {
    const token = newToken()
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 1024, unit: 'binary' }), (guess) => {
        calls.length = 0
        expect(tokenMatches(token, guess)).toBe(guess === token)
        expect(calls).toHaveLength(1)
        const [a, b] = calls[0]!
        expect(a.length).toBe(b.length)
      }),
    )
    calls.length = 0
    expect(tokenMatches(token, token)).toBe(true)
    expect(calls).toHaveLength(1)
  })

  test('the same work for a guess one character off as for one of another length', () => {
    const token = newToken()
    tokenMatches(token, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))
    tokenMatches(token, 'x')
    tokenMatches(token, 'y'.repeat(1000))
    expect(calls.map(([a, b]) => [a.length, b.length])).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
    ])
  })
})
