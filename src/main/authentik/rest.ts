import { GatehouseError } from '../../shared/errors'
import { httpError, transportError } from './errors'
import type { FetchLike } from './transport'

/**
 * Authentik's REST API in its own words: paths and snake_case JSON fields exactly as the schema
 * names them. The reconciler, the recipes and the directory panels use this instead of the
 * generated client's camelCase models because a desired-state plan compares fields by the names
 * an admin sees in Authentik's API browser, and because one resource description then serves every
 * server version (the generated packages differ per schema family). It is the only path to
 * Authentik: typed reads check their answers with the zod shapes of shapes.ts.
 */
/** Where the Bearer key comes from, asked for on every request so a switch takes effect at once. */
export type TokenProvider = () => string | null | Promise<string | null>

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }
export type Query = Record<
  string,
  string | number | boolean | readonly (string | number)[] | undefined
>

export interface Page<T = JsonObject> {
  count: number
  next: number
  results: T[]
}

export interface AuthentikRest {
  get<T = JsonObject>(path: string, query?: Query, operation?: string): Promise<T>
  /** One page (1-based) with Authentik's pagination numbers. */
  page<T = JsonObject>(path: string, query?: Query, operation?: string): Promise<Page<T>>
  /** Every page of a list, following `pagination.next`. */
  list<T = JsonObject>(path: string, query?: Query, operation?: string): Promise<T[]>
  post<T = JsonObject>(path: string, body?: unknown, operation?: string): Promise<T>
  patch<T = JsonObject>(path: string, body: unknown, operation?: string): Promise<T>
  put<T = JsonObject>(path: string, body: unknown, operation?: string): Promise<T>
  delete(path: string, operation?: string): Promise<void>
  /** Counters for benchmarks and tests: requests sent and writes among them. */
  readonly stats: { requests: number; writes: number }
}

function buildUrl(apiRoot: string, path: string, query?: Query): URL {
  if (!path.startsWith('/') || !path.endsWith('/') || path.includes('..')) {
    // Every Authentik path ends in "/"; a missing slash is a 301 the API never follows for writes.
    throw new Error(`Gatehouse bug: bad Authentik path "${path}"`)
  }
  const url = new URL(`${apiRoot}${path}`)
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item))
    else url.searchParams.set(key, String(value))
  }
  return url
}

export function createRest(options: {
  baseUrl: string
  fetchApi: FetchLike
  token: TokenProvider
  /** The server's release, for messages about answers of an unexpected shape. */
  version?: string
  /**
   * Asked before every write: an error refuses it before anything is sent (a server newer than
   * Gatehouse knows is read-only, see version.ts).
   */
  refuseWrites?: () => GatehouseError | null
}): AuthentikRest {
  const apiRoot = `${options.baseUrl}/api/v3`
  const stats = { requests: 0, writes: 0 }

  async function send<T>(
    method: string,
    path: string,
    query: Query | undefined,
    body: unknown,
    operation: string,
  ): Promise<T> {
    const url = buildUrl(apiRoot, path, query)
    if (method !== 'GET') {
      const refusal = options.refuseWrites?.()
      if (refusal) throw refusal
    }
    const headers: Record<string, string> = { accept: 'application/json' }
    const key = await options.token()
    if (key) headers.authorization = `Bearer ${key}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    stats.requests += 1
    if (method !== 'GET') stats.writes += 1
    let response: Response
    try {
      response = await options.fetchApi(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
    } catch (error) {
      throw transportError(error, { baseUrl: options.baseUrl, operation })
    }
    const text = await response.text().catch(() => '')
    let parsed: unknown = undefined
    if (text !== '') {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = text.slice(0, 500)
      }
    }
    if (response.status >= 400) {
      throw httpError({
        status: response.status,
        body: parsed,
        operation,
        request: `${method} ${url.pathname}`,
      })
    }
    return parsed as T
  }

  const describe = (method: string, path: string) => `${method} ${path}`

  async function page<T>(path: string, query?: Query, operation?: string): Promise<Page<T>> {
    const body = await send<{ pagination?: { next?: number; count?: number }; results?: T[] }>(
      'GET',
      path,
      query,
      undefined,
      operation ?? `list ${path}`,
    )
    if (!body || !Array.isArray(body.results) || typeof body.pagination !== 'object') {
      const version = options.version ?? 'unknown'
      const field = !body || typeof body !== 'object' ? '(the answer)' : 'pagination/results'
      throw new GatehouseError({
        code: 'AUTHENTIK_UNEXPECTED_RESPONSE',
        message: `Authentik ${version} at ${options.baseUrl} answered ${path} with something that is not a paginated list (${field}).`,
        hint: 'Check that the address points at Authentik itself and not at another service.',
        details: {
          operation: operation ?? `list ${path}`,
          field,
          version,
          baseUrl: options.baseUrl,
        },
      })
    }
    return {
      results: body.results,
      next: body.pagination.next ?? 0,
      count: body.pagination.count ?? body.results.length,
    }
  }

  return {
    stats,
    get: (path, query, operation) =>
      send('GET', path, query, undefined, operation ?? describe('GET', path)),
    page,
    async list(path, query, operation) {
      const out = []
      for (let p = 1; p > 0 && p < 10_000;) {
        const result = await page(path, { page_size: 100, ...query, page: p }, operation)
        out.push(...result.results)
        p = result.next
      }
      return out as never
    },
    // An operation without a request body (recovery/, the invitation e-mail's siblings…) gets
    // none: no `{}` and no content-type, exactly as the schema declares it.
    post: (path, body, operation) =>
      send('POST', path, undefined, body, operation ?? describe('POST', path)),
    patch: (path, body, operation) =>
      send('PATCH', path, undefined, body, operation ?? describe('PATCH', path)),
    put: (path, body, operation) =>
      send('PUT', path, undefined, body, operation ?? describe('PUT', path)),
    delete: async (path, operation) => {
      await send('DELETE', path, undefined, undefined, operation ?? describe('DELETE', path))
    },
  }
}
