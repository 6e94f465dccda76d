/**
 * When a failed request may be sent again. A write that reached Authentik may have taken effect
 * even if the answer got lost, so a POST/PATCH/PUT/DELETE is repeated only when the server said
 * it did not process it: 502/503 come from the Go router while the Python backend is still
 * starting (or restarting), before any handler ran. Reads are safe to repeat on any transient
 * failure.
 */

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** What one attempt ended with, as far as retrying is concerned. */
export type AttemptOutcome =
  | { kind: 'status'; status: number }
  /** No answer: connection refused/reset, DNS, socket hang-up. Not TLS failures: they repeat. */
  | { kind: 'network' }
  | { kind: 'timeout' }

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retrying. */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4000,
}

const idempotentReads: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'OPTIONS'])
/** The server is starting or overloaded; nothing was processed. */
const notProcessed: ReadonlySet<number> = new Set([502, 503])
/** Worth another try for a read only. */
const transientForReads: ReadonlySet<number> = new Set([429, 502, 503, 504])

export function isIdempotentRead(method: string): boolean {
  return idempotentReads.has(method.toUpperCase() as HttpMethod)
}

/** Whether this outcome is worth another attempt at all (ignoring the attempt budget). */
export function isRetryable(method: string, outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'status') {
    if (outcome.status < 400) return false
    return isIdempotentRead(method)
      ? transientForReads.has(outcome.status)
      : notProcessed.has(outcome.status)
  }
  // A write whose connection dropped or timed out may have been applied: never repeat it.
  return isIdempotentRead(method)
}

/** `attempt` is 1 for the first attempt; true means: send attempt `attempt + 1`. */
export function shouldRetry(
  method: string,
  outcome: AttemptOutcome,
  attempt: number,
  policy: RetryPolicy = defaultRetryPolicy,
): boolean {
  return attempt < policy.maxAttempts && isRetryable(method, outcome)
}

/**
 * Exponential backoff with full jitter: the wait before attempt `attempt + 1` lies in
 * [base·2^(attempt−1)/2, base·2^(attempt−1)], capped at maxDelayMs. Half the window is kept so a
 * retry never fires immediately at a server that just said it is starting.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy = defaultRetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30)
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent)
  const r = Math.min(Math.max(random(), 0), 1)
  return Math.round(ceiling / 2 + (ceiling / 2) * r)
}

/** A `Retry-After` in seconds (Authentik sends it with 429/503), capped so a bad value cannot stall us. */
export function retryAfterMs(
  header: string | null,
  policy: RetryPolicy = defaultRetryPolicy,
): number | null {
  if (!header) return null
  const seconds = Number(header)
  if (!Number.isFinite(seconds) || seconds < 0) return null
  return Math.min(seconds * 1000, policy.maxDelayMs)
}
