/**
 * One unauthenticated GET as a browser would make it, from the main process, with the failure
 * named: DNS, TLS, timeout, refused. TLS is verified exactly as Node verifies it (no option to
 * turn it off here); the only test hook is `rewrite`, which sends the request to another origin
 * (a local test server) while keeping the original Host header.
 */
import axios, { AxiosError } from 'axios'
import type { CheckReason } from '../../../shared/contract/integrations'

export interface CheckHttpOptions {
  timeoutMs?: number
  /** Tests: where the request really goes (e.g. http://127.0.0.1:<port>); null keeps the URL. */
  rewrite?: (url: URL) => URL | null
}

export type Fetched =
  | { ok: true; status: number; location: string | null; body: string }
  | { ok: false; reason: CheckReason; message: string; fix: string }

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'EPROTO',
])

/** Where a failed request failed, in the admin's terms. */
export function classify(error: unknown, url: URL, timeoutMs: number): Fetched & { ok: false } {
  const code =
    (error as { code?: string }).code ??
    ((error as AxiosError).cause as { code?: string } | undefined)?.code ??
    ''
  const host = url.hostname
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
    return {
      ok: false,
      reason: 'dns',
      message: `DNS: ${host} does not resolve (${code}).`,
      fix: `Create a DNS record for ${host} pointing at the machine Traefik runs on (or a wildcard *.${host.split('.').slice(1).join('.')}), then check again.`,
    }
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))
    return {
      ok: false,
      reason: 'tls',
      message: `TLS: the certificate of ${host} is not trusted (${code}).`,
      fix: `Give Traefik a certificate for ${host} that browsers trust (e.g. Let's Encrypt through its certresolver); apps and browsers refuse this one too.`,
    }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED')
    return {
      ok: false,
      reason: 'timeout',
      message: `Timeout: ${host} did not answer within ${Math.round(timeoutMs / 1000)} s.`,
      fix: `Check that Traefik is running and that port 443 of ${host} is reachable from this machine (firewall, router port forwarding).`,
    }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH')
    return {
      ok: false,
      reason: 'refused',
      message: `Connection failed: ${host} ${code === 'ECONNREFUSED' ? 'refused the connection' : `(${code})`}.`,
      fix: 'Check that Traefik is running and listens on port 443 (the websecure entry point).',
    }
  return {
    ok: false,
    reason: 'network',
    message: `The request to ${host} failed: ${(error as Error).message || code}.`,
    fix: 'Check the network between this machine and the server, then check again.',
  }
}

export async function fetchForCheck(
  target: string,
  options: CheckHttpOptions = {},
): Promise<Fetched> {
  const timeoutMs = options.timeoutMs ?? 8000
  const url = new URL(target)
  const real = options.rewrite?.(url) ?? null
  const requestUrl = real ? new URL(`${url.pathname}${url.search}`, real) : url
  try {
    const response = await axios.get<string>(requestUrl.toString(), {
      maxRedirects: 0,
      timeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs + 1000),
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: (data: unknown) => data,
      maxContentLength: 1024 * 1024,
      headers: {
        accept: 'application/json, text/html;q=0.9',
        'user-agent': 'Gatehouse integration check',
        ...(real ? { host: url.host } : {}),
      },
      // Never an env proxy: the check must see what the NAS's own network answers.
      proxy: false,
    })
    const location = response.headers.location
    return {
      ok: true,
      status: response.status,
      location: typeof location === 'string' ? location : null,
      body: typeof response.data === 'string' ? response.data : '',
    }
  } catch (error) {
    return classify(error, url, timeoutMs)
  }
}

/** `GATEHOUSE_CHECK_BASE=http://127.0.0.1:8080`: every check goes there (tests only). */
export function rewriteToBase(base: string | undefined): CheckHttpOptions['rewrite'] {
  if (!base) return undefined
  const parsed = new URL(base)
  return () => parsed
}
