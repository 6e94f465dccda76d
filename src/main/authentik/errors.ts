import { GatehouseError } from '../../shared/errors'

/**
 * Everything that can go wrong between Gatehouse and Authentik, turned into a GatehouseError
 * whose code the UI switches on and whose hint it shows next to the action (or, for a 400, next
 * to the field) that caused it. Messages never carry request bodies or headers: those hold
 * passwords and token keys.
 */

/** DRF ValidationError body: `{field: [messages], non_field_errors: [messages]}` (nested for lists). */
export type FieldMessages = Record<string, string[]>

/** Flattens a DRF error body into `field → messages`; nested objects become `parent.child`. */
export function fieldMessages(body: unknown, prefix = ''): FieldMessages {
  const out: FieldMessages = {}
  if (typeof body === 'string') {
    if (body) out[prefix || 'non_field_errors'] = [body]
    return out
  }
  if (Array.isArray(body)) {
    const strings = body.filter((m): m is string => typeof m === 'string')
    if (strings.length > 0) out[prefix || 'non_field_errors'] = strings
    body.forEach((item, index) => {
      if (item !== null && typeof item === 'object') {
        Object.assign(out, fieldMessages(item, prefix ? `${prefix}.${index}` : String(index)))
      }
    })
    return out
  }
  if (body !== null && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) {
      Object.assign(out, fieldMessages(value, prefix ? `${prefix}.${key}` : key))
    }
  }
  return out
}

function detailOf(body: unknown): string | undefined {
  if (body !== null && typeof body === 'object' && 'detail' in body) {
    const detail = (body as { detail: unknown }).detail
    if (typeof detail === 'string') return detail
  }
  return undefined
}

export interface HttpFailure {
  status: number
  /** Parsed JSON body, or the text when it is not JSON, or undefined when empty. */
  body: unknown
  /** A readable name of what Gatehouse tried, e.g. "create user". */
  operation: string
  /** `GET /api/v3/core/users/` style, without the query string (it may hold search terms). */
  request?: string
}

/** Maps an HTTP error answer (status >= 400) to a typed error. */
export function httpError(failure: HttpFailure): GatehouseError {
  const { status, body, operation } = failure
  const detail = detailOf(body)
  const base = { status, operation, ...(failure.request ? { request: failure.request } : {}) }

  if (status === 400) {
    const fields = fieldMessages(body)
    const named = Object.entries(fields).map(([field, messages]) =>
      field === 'non_field_errors' ? messages.join(' ') : `${field}: ${messages.join(' ')}`,
    )
    const fieldNames = Object.keys(fields).filter((f) => f !== 'non_field_errors')
    return new GatehouseError({
      code: 'AUTHENTIK_REJECTED',
      message: `Authentik refused to ${operation}${named.length ? ` (${named.join('; ')})` : ''}.`,
      hint: fieldNames.length
        ? `Correct ${fieldNames.join(', ')} and try again.`
        : 'Correct the input and try again.',
      details: { ...base, fields },
    })
  }
  if (status === 401 || status === 403) {
    return new GatehouseError({
      code: 'AUTHENTIK_AUTH_FAILED',
      message: `Authentik did not accept Gatehouse's API token to ${operation}${detail ? ` (${detail})` : ''}.`,
      hint:
        status === 403 && detail && /permission/i.test(detail)
          ? "The token's user lacks this permission: use a token of a member of 'authentik Admins'."
          : 'The token is wrong or expired, or its user was deactivated. Re-enter the token, or redo the admin handover so Gatehouse gets its own token.',
      details: { ...base, ...(detail ? { detail } : {}) },
    })
  }
  if (status === 404) {
    return new GatehouseError({
      code: 'AUTHENTIK_NOT_FOUND',
      message: `Authentik has no such object (${operation}).`,
      hint: 'It may have been deleted or renamed in Authentik; re-plan to see the current state.',
      details: base,
    })
  }
  if (status === 502 || status === 503) {
    return new GatehouseError({
      code: 'AUTHENTIK_NOT_READY',
      message: `Authentik is not ready yet (HTTP ${status} to ${operation}).`,
      hint: 'Authentik is still starting or restarting; wait until it reports ready, then retry.',
      details: base,
    })
  }
  return new GatehouseError({
    code: 'AUTHENTIK_FAILED',
    message: `Authentik failed to ${operation} (HTTP ${status}${detail ? `: ${detail}` : ''}).`,
    hint:
      status >= 500
        ? "Authentik had an internal error; see the server container's log, then retry."
        : 'Retry; if it keeps failing, see the server container’s log.',
    details: { ...base, ...(detail ? { detail } : {}) },
  })
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
])

const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
])

/** The `code` of an error or of its cause chain (fetch wraps the socket's error). */
export function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** Maps a failure without an HTTP answer (socket, DNS, TLS, timeout) to a typed error. */
export function transportError(
  error: unknown,
  context: { baseUrl: string; operation: string },
): GatehouseError {
  if (error instanceof GatehouseError) return error
  const code = errorCodeOf(error)
  const { baseUrl, operation } = context
  if (code && tlsCodes.has(code)) {
    return new GatehouseError({
      code: 'AUTHENTIK_TLS_UNTRUSTED',
      message: `The TLS certificate of ${baseUrl} could not be verified (${code}).`,
      hint: 'If this is your own self-signed or internal CA certificate, check its fingerprint and trust it explicitly in Gatehouse; otherwise fix the certificate.',
      details: { baseUrl, operation, cause: code },
    })
  }
  if (code === 'ETIMEDOUT' || code === 'AUTHENTIK_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return timeoutError(baseUrl, operation, undefined)
  }
  const text = error instanceof Error ? error.message : String(error)
  return new GatehouseError({
    code: 'AUTHENTIK_UNREACHABLE',
    message: `Gatehouse could not reach Authentik at ${baseUrl} to ${operation}${code && unreachableCodes.has(code) ? ` (${code})` : ''}.`,
    hint: 'Check that the stack is started and that the address and port are right (the published 127.0.0.1 port, or https://auth.<domain>).',
    details: { baseUrl, operation, cause: code ?? text.slice(0, 200) },
  })
}

export function timeoutError(
  baseUrl: string,
  operation: string,
  timeoutMs: number | undefined,
): GatehouseError {
  return new GatehouseError({
    code: 'AUTHENTIK_TIMEOUT',
    message: `Authentik at ${baseUrl} did not answer in time${timeoutMs ? ` (${timeoutMs} ms)` : ''} to ${operation}.`,
    hint: 'Authentik may be overloaded or still starting; retry in a moment.',
    details: { baseUrl, operation, ...(timeoutMs ? { timeoutMs } : {}) },
  })
}
