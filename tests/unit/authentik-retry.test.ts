import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  backoffDelay,
  isRetryable,
  retryAfterMs,
  shouldRetry,
  type AttemptOutcome,
  type RetryPolicy,
} from '../../src/main/authentik/retry'

const reads = ['GET', 'HEAD', 'OPTIONS', 'get'] as const
const writes = ['POST', 'PUT', 'PATCH', 'DELETE', 'post'] as const

const outcome: fc.Arbitrary<AttemptOutcome> = fc.oneof(
  fc.integer({ min: 100, max: 599 }).map((status) => ({ kind: 'status' as const, status })),
  fc.constant({ kind: 'network' as const }),
  fc.constant({ kind: 'timeout' as const }),
)
const policy: fc.Arbitrary<RetryPolicy> = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 10 }),
  baseDelayMs: fc.integer({ min: 1, max: 5000 }),
  maxDelayMs: fc.integer({ min: 1, max: 60_000 }),
})

describe('Authentik retry rules', () => {
  test('writes are repeated only after 502/503 (not processed), never after a lost answer', () => {
    fc.assert(
      fc.property(fc.constantFrom(...writes), outcome, (method, o) => {
        const expected = o.kind === 'status' && (o.status === 502 || o.status === 503)
        expect(isRetryable(method, o)).toBe(expected)
      }),
    )
  })

  test('reads are repeated on transient failures only', () => {
    fc.assert(
      fc.property(fc.constantFrom(...reads), outcome, (method, o) => {
        const expected = o.kind !== 'status' || [429, 502, 503, 504].includes(o.status)
        expect(isRetryable(method, o)).toBe(expected)
      }),
    )
  })

  test('the attempt budget is never exceeded, and success is never retried', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...reads, ...writes),
        outcome,
        fc.integer({ min: 1, max: 20 }),
        policy,
        (method, o, attempt, p) => {
          const retry = shouldRetry(method, o, attempt, p)
          if (attempt >= p.maxAttempts) expect(retry).toBe(false)
          if (o.kind === 'status' && o.status < 400) expect(retry).toBe(false)
          if (retry) expect(isRetryable(method, o)).toBe(true)
        },
      ),
    )
  })

  test('backoff stays within [ceiling/2, ceiling], grows with attempts and respects the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        policy,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, p, r) => {
          const ceiling = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1))
          const delay = backoffDelay(attempt, p, () => r)
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2))
          expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling))
          expect(delay).toBeLessThanOrEqual(p.maxDelayMs)
          // Monotone in the worst case: the ceiling never shrinks from one attempt to the next.
          expect(backoffDelay(attempt + 1, p, () => 1)).toBeGreaterThanOrEqual(
            backoffDelay(attempt, p, () => 1),
          )
        },
      ),
    )
  })

  test('Retry-After is honoured in seconds and capped', () => {
    const p = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 4000 }
    expect(retryAfterMs('2', p)).toBe(2000)
    expect(retryAfterMs('600', p)).toBe(4000)
    expect(retryAfterMs(null, p)).toBeNull()
    expect(retryAfterMs('soon', p)).toBeNull()
    expect(retryAfterMs('-1', p)).toBeNull()
  })
})
