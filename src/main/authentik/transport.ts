import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import tls from 'node:tls'
import { setTimeout as sleep } from 'node:timers/promises'
import { GatehouseError } from '../../shared/errors'
import { timeoutError } from './errors'
import {
  backoffDelay,
  defaultRetryPolicy,
  retryAfterMs,
  shouldRetry,
  type AttemptOutcome,
  type RetryPolicy,
} from './retry'

/**
 * The HTTP layer under the generated client (its `fetchApi`): node:http/https instead of the
 * global fetch so that TLS trust is decided per connection, before a single byte of the request
 * (which carries the Bearer token) is written, and without touching any process-wide setting.
 * It also owns the per-attempt timeout and the retry rules of retry.ts.
 */

/** How a server certificate is trusted. Nothing here is stored globally. */
export type TlsTrust =
  /** The system's CA roots and a hostname check, as a browser would. */
  | { mode: 'system' }
  /** Additionally trust this CA (PEM), e.g. the NAS's internal CA; the hostname is still checked. */
  | { mode: 'ca'; caPem: string }
  /**
   * Accept exactly the certificate with this SHA-256 fingerprint (as shown to and confirmed by
   * the admin), whatever signed it: the self-signed case. Any other certificate is refused.
   */
  | { mode: 'fingerprint'; sha256: string }

export interface TransportOptions {
  baseUrl: string
  tls?: TlsTrust
  /** Per attempt, from connecting to the last byte of the answer. */
  timeoutMs?: number
  retry?: RetryPolicy
  /** Tests pass a fixed one; defaults to Math.random for jitter. */
  random?: () => number
  /** Called before each repeat, e.g. to show "Authentik is starting, retrying…". */
  onRetry?: (info: {
    method: string
    url: string
    attempt: number
    delayMs: number
    outcome: AttemptOutcome
  }) => void
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/** "AB:CD:…" or "abcd…" → "ABCD…", so pins can be pasted in either form. */
export function normalizeFingerprint(value: string): string {
  return value.replace(/[^0-9a-fA-F]/g, '').toUpperCase()
}

/** Formats like the browsers and `openssl x509 -fingerprint -sha256` do: "AB:CD:…". */
export function formatFingerprint(value: string): string {
  return (normalizeFingerprint(value).match(/.{2}/g) ?? []).join(':')
}

function untrusted(
  baseUrl: string,
  reason: string,
  cert: tls.PeerCertificate | undefined,
  extra: Record<string, unknown> = {},
): GatehouseError {
  const fingerprint = cert?.fingerprint256 ? formatFingerprint(cert.fingerprint256) : undefined
  return new GatehouseError({
    code: 'AUTHENTIK_TLS_UNTRUSTED',
    message: `The TLS certificate of ${baseUrl} is not trusted: ${reason}.`,
    hint: fingerprint
      ? `If this is your own certificate, compare its SHA-256 fingerprint ${fingerprint} with the one on the server and trust it explicitly; otherwise do not connect.`
      : 'If this is your own certificate, trust its CA or fingerprint explicitly in Gatehouse; otherwise do not connect.',
    details: {
      baseUrl,
      reason,
      ...(fingerprint ? { fingerprint } : {}),
      ...(cert?.subject?.CN ? { subject: String(cert.subject.CN) } : {}),
      ...(cert?.issuer?.CN ? { issuer: String(cert.issuer.CN) } : {}),
      ...(cert?.valid_to ? { validTo: cert.valid_to } : {}),
      ...extra,
    },
  })
}

/** OpenSSL/Node verification codes in words the admin can act on. */
const tlsReasons: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'it was issued by a CA this computer does not trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'it was issued by a CA this computer does not trust',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'it was issued by a CA this computer does not trust',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'it was issued for another host name',
}

/** Decides trust for an established TLS socket; null when the request may be sent. */
function checkPeer(
  socket: tls.TLSSocket,
  host: string,
  trust: TlsTrust,
  baseUrl: string,
): GatehouseError | null {
  const cert = socket.getPeerCertificate()
  if (!cert || !cert.raw) return untrusted(baseUrl, 'the server sent no certificate', undefined)
  if (trust.mode === 'fingerprint') {
    if (normalizeFingerprint(cert.fingerprint256) === normalizeFingerprint(trust.sha256))
      return null
    return untrusted(baseUrl, 'its fingerprint does not match the pinned one', cert, {
      expectedFingerprint: formatFingerprint(trust.sha256),
    })
  }
  // The same two checks Node makes with rejectUnauthorized: the chain, then the name (Node has
  // already folded a name mismatch into `authorized`; checkServerIdentity below is belt and braces).
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'UNKNOWN')
    return untrusted(baseUrl, tlsReasons[code] ?? code, cert, { cause: code })
  }
  const nameError = tls.checkServerIdentity(host, cert)
  if (nameError) return untrusted(baseUrl, nameError.message, cert)
  return null
}

/**
 * Opens a TLS connection and hands it to the HTTP request only once checkPeer accepted it.
 * rejectUnauthorized is off at the socket level so that a refused certificate can still be
 * described (fingerprint, subject) to the admin; the verdict is checkPeer's, and nothing is
 * written before it.
 */
function tlsConnector(url: URL, trust: TlsTrust, baseUrl: string) {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = Number(url.port || 443)
  return (_options: unknown, done: (error: Error | null, socket?: tls.TLSSocket) => void) => {
    let settled = false
    const finish = (error: Error | null, socket?: tls.TLSSocket) => {
      if (settled) return
      settled = true
      done(error, socket)
    }
    const socket = tls.connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      ...(trust.mode === 'ca' ? { ca: [...tls.rootCertificates, trust.caPem] } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    })
    socket.once('secureConnect', () => {
      const problem = checkPeer(socket, host, trust, baseUrl)
      if (problem) {
        socket.destroy()
        finish(problem)
      } else {
        finish(null, socket)
      }
    })
    socket.once('error', (error) => finish(error))
    return undefined
  }
}

class AttemptTimeout extends Error {
  readonly code = 'AUTHENTIK_TIMEOUT'
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  new Headers(init?.headers).forEach((value, key) => {
    out[key] = value
  })
  return out
}

function bodyOf(init: RequestInit | undefined): Buffer | undefined {
  const body = init?.body
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return Buffer.from(body)
  if (body instanceof URLSearchParams) return Buffer.from(body.toString())
  if (body instanceof Uint8Array) return Buffer.from(body)
  // Multipart uploads (blueprint import) are not sent through this transport yet.
  throw new TypeError('The Authentik transport only sends JSON or form-encoded bodies.')
}

const nullBodyStatuses = new Set([101, 204, 205, 304])

/** One attempt: resolves with the answer, rejects with the socket's, TLS or timeout error. */
function sendOnce(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  options: { trust: TlsTrust; timeoutMs: number; baseUrl: string; signal?: AbortSignal | null },
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:'
    const requestOptions: https.RequestOptions = {
      method,
      headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      // For https no agent at all: Node only calls `createConnection` when none is given (an
      // agent would open its own, verified-by-default socket). Plain http gets a throw-away agent.
      ...(isHttps
        ? {
            defaultPort: 443,
            createConnection: tlsConnector(
              url,
              options.trust,
              options.baseUrl,
            ) as unknown as https.RequestOptions['createConnection'],
          }
        : { agent: false }),
    }
    const request = (isHttps ? https : http).request(url, requestOptions, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => {
        clearTimeout(timer)
        const responseHeaders = new Headers()
        for (const [key, value] of Object.entries(response.headers)) {
          if (Array.isArray(value)) value.forEach((v) => responseHeaders.append(key, v))
          else if (value !== undefined) responseHeaders.set(key, value)
        }
        const status = response.statusCode ?? 500
        resolve(
          new Response(nullBodyStatuses.has(status) ? null : Buffer.concat(chunks), {
            status,
            statusText: response.statusMessage ?? '',
            headers: responseHeaders,
          }),
        )
      })
    })
    const timer = setTimeout(
      () => request.destroy(new AttemptTimeout('timeout')),
      options.timeoutMs,
    )
    const onAbort = () =>
      request.destroy(
        options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'),
      )
    options.signal?.addEventListener('abort', onAbort, { once: true })
    request.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    request.on('close', () => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    })
    request.end(body)
  })
}

function outcomeOfError(error: unknown): AttemptOutcome | null {
  if (error instanceof AttemptTimeout) return { kind: 'timeout' }
  // TLS verdicts do not change by asking again.
  if (error instanceof GatehouseError) return null
  return { kind: 'network' }
}

/** The fetchApi handed to the generated client: timeouts, retries and TLS trust in one place. */
export function createTransport(options: TransportOptions): FetchLike {
  const trust = options.tls ?? { mode: 'system' }
  const timeoutMs = options.timeoutMs ?? 15_000
  const policy = options.retry ?? defaultRetryPolicy
  const baseUrl = options.baseUrl

  return async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    const method = (init?.method ?? 'GET').toUpperCase()
    const headers = headersOf(init)
    const body = bodyOf(init)
    for (let attempt = 1; ; attempt += 1) {
      let outcome: AttemptOutcome
      let retryAfter: number | null = null
      try {
        const response = await sendOnce(url, method, headers, body, {
          trust,
          timeoutMs,
          baseUrl,
          signal: init?.signal,
        })
        outcome = { kind: 'status', status: response.status }
        if (!shouldRetry(method, outcome, attempt, policy)) return response
        retryAfter = retryAfterMs(response.headers.get('retry-after'), policy)
      } catch (error) {
        const failed = outcomeOfError(error)
        if (init?.signal?.aborted || !failed || !shouldRetry(method, failed, attempt, policy)) {
          if (error instanceof AttemptTimeout) {
            throw timeoutError(baseUrl, `${method} ${url.pathname}`, timeoutMs)
          }
          throw error
        }
        outcome = failed
      }
      const delayMs = retryAfter ?? backoffDelay(attempt, policy, options.random)
      options.onRetry?.({ method, url: url.pathname, attempt, delayMs, outcome })
      await sleep(delayMs, undefined, init?.signal ? { signal: init.signal } : undefined)
    }
  }
}

/**
 * Connects without trusting anything and returns what the server presents, so the admin can
 * compare the fingerprint before choosing to pin it. No HTTP request is sent.
 */
export function inspectCertificate(
  baseUrl: string,
  timeoutMs = 10_000,
): Promise<{
  fingerprint: string
  subject: string | undefined
  issuer: string | undefined
  validTo: string
  trustedBySystem: boolean
}> {
  const url = new URL(baseUrl)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
    })
    socket.setTimeout(timeoutMs, () => socket.destroy(new AttemptTimeout('timeout')))
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate()
      const nameOk = cert.raw ? tls.checkServerIdentity(host, cert) === undefined : false
      socket.end()
      resolve({
        fingerprint: formatFingerprint(cert.fingerprint256 ?? ''),
        subject: cert.subject?.CN ? String(cert.subject.CN) : undefined,
        issuer: cert.issuer?.CN ? String(cert.issuer.CN) : undefined,
        validTo: cert.valid_to,
        trustedBySystem: socket.authorized && nameOk,
      })
    })
    socket.once('error', reject)
  })
}
