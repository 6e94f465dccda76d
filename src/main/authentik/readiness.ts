import { setTimeout as sleep } from 'node:timers/promises'
import { GatehouseError } from '../../shared/errors'
import { createAuthentikClient, type AuthentikClient, type AuthentikClientOptions } from './client'
import { detectVersion } from './detect'
import { WHERE_TO_CREATE_A_TOKEN } from './connect-existing'
import { transportError } from './errors'
import { createTransport } from './transport'
import { normalizeBaseUrl } from './url'

/**
 * After Start: Authentik answers `/-/health/ready/` once its databases are up, but the bootstrap
 * token exists only after the worker applied the bootstrap blueprint, so until then Bearer calls
 * are refused (API map 1.1). Readiness therefore has two phases, and a timeout names the one that
 * never completed.
 */

export type ReadinessPhase = 'server' | 'version' | 'token'

export interface ReadinessProgress {
  phase: ReadinessPhase
  /** Polls so far in this phase. */
  attempt: number
  elapsedMs: number
  /** What the last poll saw, for the progress line ("HTTP 503", "connection refused", …). */
  observed: string
  done: boolean
}

export interface ReadinessOptions extends AuthentikClientOptions {
  /** Total budget for both phases. */
  timeoutMs?: number
  intervalMs?: number
  /** Per request; kept short because the loop itself retries. */
  requestTimeoutMs?: number
  onProgress?: (progress: ReadinessProgress) => void
  signal?: AbortSignal
  /**
   * The token is one the admin pasted or R1 created, not the bootstrap token a first start is
   * still creating: a refusal is then the answer, not a reason to keep waiting.
   */
  refusedTokenIsFinal?: boolean
}

const describeFailure = (error: GatehouseError): string => {
  const status = error.details?.status
  return typeof status === 'number' ? `HTTP ${status}` : error.code
}

/** Waits until Authentik is ready and accepts the token; returns a client for its version. */
export async function waitForAuthentik(options: ReadinessOptions): Promise<AuthentikClient> {
  const baseUrl = normalizeBaseUrl(options.baseUrl)
  const timeoutMs = options.timeoutMs ?? 180_000
  const intervalMs = options.intervalMs ?? 1000
  const started = Date.now()
  const elapsed = () => Date.now() - started
  // No transport-level retries: this loop is the retry, and it reports every poll.
  const connection = {
    ...options,
    baseUrl,
    timeoutMs: options.requestTimeoutMs ?? 5000,
    retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  }
  const fetchApi = createTransport(connection)

  let phase: ReadinessPhase = 'server'
  let attempt = 0
  let observed = 'not asked yet'
  const report = (done: boolean) =>
    options.onProgress?.({ phase, attempt, elapsedMs: elapsed(), observed, done })

  const timedOut = (): GatehouseError => {
    const missing =
      phase === 'server'
        ? `the server is not ready yet (/-/health/ready/ answered: ${observed})`
        : phase === 'version'
          ? `the server version could not be read (${observed})`
          : `the bootstrap token is not accepted yet (${observed})`
    return new GatehouseError({
      code: 'AUTHENTIK_NOT_READY',
      message: `Authentik at ${baseUrl} was not usable within ${Math.round(timeoutMs / 1000)} s: ${missing}.`,
      hint:
        phase === 'token'
          ? 'The worker creates the bootstrap token when it first starts: check the worker container is running and its log, and that AUTHENTIK_BOOTSTRAP_TOKEN matches the keychain.'
          : 'Check the server and database containers and their logs; a first start can take several minutes.',
      details: { baseUrl, missing: phase, observed, attempts: attempt, elapsedMs: elapsed() },
    })
  }

  const pause = async () => {
    if (elapsed() + intervalMs > timeoutMs) throw timedOut()
    await sleep(intervalMs, undefined, options.signal ? { signal: options.signal } : undefined)
  }

  // Phase 1: the server's own readiness probe (outside /api/v3, no token).
  for (;;) {
    attempt += 1
    try {
      const response = await fetchApi(`${baseUrl}/-/health/ready/`, { method: 'GET' })
      observed = `HTTP ${response.status}`
      if (response.ok) break
    } catch (error) {
      const mapped = transportError(error, { baseUrl, operation: 'check readiness' })
      // A TLS refusal does not heal by waiting.
      if (mapped.code === 'AUTHENTIK_TLS_UNTRUSTED') throw mapped
      observed = describeFailure(mapped)
    }
    report(false)
    await pause()
  }
  report(true)

  // Phase 2: which Authentik this is; an unsupported version is refused now, not after the wait.
  phase = 'version'
  attempt = 0
  let client: AuthentikClient
  for (;;) {
    attempt += 1
    try {
      // Anonymous on purpose: the token may not exist yet.
      const { version } = await detectVersion({ ...connection, token: () => null })
      client = createAuthentikClient({ ...options, baseUrl, version })
      break
    } catch (error) {
      // Network failures arrive typed from rest.ts; anything untyped is a bug, not "unreachable".
      if (!(error instanceof GatehouseError)) throw error
      const mapped = error
      if (mapped.code !== 'AUTHENTIK_NOT_READY' && mapped.code !== 'AUTHENTIK_UNREACHABLE') {
        throw mapped
      }
      observed = describeFailure(mapped)
    }
    report(false)
    await pause()
  }
  report(true)

  // Phase 3: an authenticated call with the token (the bootstrap token on first start).
  phase = 'token'
  attempt = 0
  const probe = createAuthentikClient({
    ...connection,
    token: options.token,
    version: client.version,
  })
  for (;;) {
    attempt += 1
    try {
      await probe.me()
      observed = 'HTTP 200'
      break
    } catch (error) {
      // An answer of the wrong shape is not something waiting fixes (AUTHENTIK_UNEXPECTED_RESPONSE
      // is thrown at once instead of being reported as a token that is "not accepted yet").
      if (!(error instanceof GatehouseError)) throw error
      const mapped = error
      const waitable = ['AUTHENTIK_AUTH_FAILED', 'AUTHENTIK_NOT_READY', 'AUTHENTIK_UNREACHABLE']
      if (!waitable.includes(mapped.code)) throw mapped
      if (mapped.code === 'AUTHENTIK_AUTH_FAILED' && options.refusedTokenIsFinal)
        throw new GatehouseError({
          code: 'AUTHENTIK_AUTH_FAILED',
          message: `Authentik at ${baseUrl} refuses Gatehouse's API token (expired, deleted or revoked).`,
          hint: `Paste a new token in Setup → Authentik → "Connect an existing Authentik" (CLI: "gatehouse authentik connectExisting --json -", JSON on stdin). ${WHERE_TO_CREATE_A_TOKEN}`,
          details: { baseUrl, ...(mapped.details ?? {}) },
        })
      observed = describeFailure(mapped)
    }
    report(false)
    await pause()
  }
  report(true)
  return client
}
