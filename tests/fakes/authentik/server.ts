/**
 * A fake Authentik held to the real API schema of the version it impersonates: every request under
 * /api/v3/ is routed and validated against that version's schema.yml, and every response it sends
 * is validated too (violations are recorded in `schemaViolations`). See README.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ErrorObject } from 'ajv'
import { loadSchema, type LoadedSchema, type Operation } from './openapi'
import { FakeState, type TokenRecord, type UserRecord } from './state'
import { adminHandlers } from './routes/admin'
import { flowHandlers } from './routes/flows'
import { policyHandlers } from './routes/policies'
import { providerHandlers } from './routes/providers'
import { accessHandlers } from './routes/access'
import { recordResponse } from './audit'
import { recordWrite } from './events'
import { eventHandlers } from './routes/events'
import { WRITE_METHODS } from './faults'
import type { Ctx, HandlerMap, Reply } from './routes/context'
import { groupHandlers } from './routes/groups'
import { miscHandlers } from './routes/misc'
import { tokenHandlers } from './routes/tokens'
import { userHandlers } from './routes/users'
import { HttpError, type FakeAuthentikOptions, type FakeVersion, type JsonObject } from './types'

export type { FakeVersion, FakeAuthentikOptions }
export { FakeState }

export interface FakeAuthentik {
  url: string
  port: number
  state: FakeState
  schemaViolations: string[]
  close(): Promise<void>
}

const handlers: HandlerMap = {
  ...miscHandlers,
  ...userHandlers,
  ...groupHandlers,
  ...tokenHandlers,
  ...flowHandlers,
  ...policyHandlers,
  ...providerHandlers,
  ...accessHandlers,
  ...adminHandlers,
  ...eventHandlers,
}

/** The operationIds the fake answers (everything else gets 501). */
export const IMPLEMENTED_OPERATIONS: readonly string[] = Object.keys(handlers).sort()

const API_ROOT = '/api/v3/'

export async function startFakeAuthentik(options: FakeAuthentikOptions): Promise<FakeAuthentik> {
  const schema = await loadSchema(options.version)
  const state = new FakeState(options.version)
  const schemaViolations: string[] = []
  const bootstrap = (): void =>
    state.runBootstrap({
      password: options.bootstrapPassword,
      email: options.bootstrapEmail,
      token: options.bootstrapToken,
    })
  const slowStartMs = options.slowStartMs ?? 0
  let startTimer: NodeJS.Timeout | undefined
  if (slowStartMs > 0) startTimer = setTimeout(bootstrap, slowStartMs)
  else bootstrap()

  const server = createServer((req, res) => {
    handle(schema, state, schemaViolations, req, res).catch((error: unknown) => {
      schemaViolations.push(`internal error: ${String(error)}`)
      recordResponse(options.version, 'internal', [`internal error: ${String(error)}`], false)
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ detail: 'fake internal error' }))
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    state,
    schemaViolations,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (startTimer) clearTimeout(startTimer)
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send(res: ServerResponse, status: number, body?: unknown, contentType?: string): void {
  if (body === undefined) {
    res.writeHead(status)
    res.end()
    return
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': contentType ?? 'application/json' })
  res.end(text)
}

async function handle(
  schema: LoadedSchema,
  state: FakeState,
  violations: string[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake')
  const method = (req.method ?? 'GET').toLowerCase()
  const rawBody = await readBody(req)
  const logged = (operationId: string, status: number, fault?: 'before' | 'after'): void => {
    state.requestLog.push({
      method: method.toUpperCase(),
      path: url.pathname + url.search,
      operationId,
      status,
      ...(fault ? { fault } : {}),
    })
  }

  const raw = `${method.toUpperCase()} ${url.pathname}`
  if (url.pathname === '/-/health/live/') {
    logged(raw, 200)
    return send(res, 200, '', 'text/plain')
  }
  if (url.pathname === '/-/health/ready/') {
    logged(raw, state.ready ? 200 : 503)
    return send(res, state.ready ? 200 : 503, '', 'text/plain')
  }
  if (!url.pathname.startsWith(API_ROOT)) {
    logged(raw, 404)
    return send(res, 404, { detail: 'Not found.' })
  }
  // A starting server: the Go router answers 503 until the backend (and here: bootstrap) is up.
  if (!state.ready) {
    logged(raw, 503)
    return send(res, 503, 'authentik starting', 'text/plain')
  }
  const isWrite = WRITE_METHODS.has(method.toUpperCase())
  const fault = isWrite ? state.faults.onWrite(method.toUpperCase(), url.pathname) : null
  const origin = `http://${req.headers.host ?? 'localhost'}`

  const query = parseQuery(url.searchParams)
  const request = { method, path: url.pathname, headers: lowerHeaders(req), query, body: rawBody }
  const operation = schema.api.router.matchOperation(request)
  let reply: Reply
  let opId = `${method.toUpperCase()} ${url.pathname}`
  if (!operation) {
    const pathExists = schema.api.router
      .getOperations()
      .some((op) => op.path === schema.api.router.normalizePath(url.pathname))
    reply = pathExists
      ? { status: 405, body: { detail: `Method "${method.toUpperCase()}" not allowed.` } }
      : { status: 404, body: { detail: 'Not found.' } }
  } else if (fault === 'before') {
    opId = operation.operationId ?? opId
    reply = { status: 500, body: { detail: 'Injected fault: the write was not applied.' } }
  } else {
    opId = operation.operationId ?? opId
    try {
      reply = dispatch(schema, state, operation, request, req.headers['content-type'], origin)
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      reply = { status: error.status, body: error.body }
    }
  }
  if (isWrite) state.revision++

  if (operation && reply.body !== undefined && declaresNoContent(operation, reply.status)) {
    // e.g. set_password's 400 and view_key's 404: the schema promises an empty body.
    reply = { status: reply.status }
  }
  const tamper = state.responseTampering.get(opId)
  const tampered = tamper !== undefined && reply.body !== undefined
  if (tamper && reply.body !== undefined) {
    state.responseTampering.delete(opId)
    reply = { ...reply, body: tamper(reply.body) }
  }
  const problems = (operation ? checkResponse(schema, operation, reply) : checkGeneric(reply)).map(
    (problem) => `${opId} → ${reply.status}: ${problem}`,
  )
  violations.push(...problems)
  recordResponse(schema.version, opId, problems, tampered)
  logged(opId, reply.status, fault ?? undefined)
  if (fault === 'after') {
    // Applied, but the client never hears of it: a reset instead of an answer.
    req.socket.destroy()
    return
  }
  send(res, reply.status, reply.text ?? reply.body, reply.contentType)
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value
  }
  return headers
}

/** Repeated keys become arrays; the validator coerces single values where the schema wants arrays. */
function parseQuery(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    query[key] = values.length === 1 ? (values[0] ?? '') : values
  }
  return query
}

interface RawRequest {
  method: string
  path: string
  headers: Record<string, string>
  query: Record<string, string | string[]>
  body: string
}

function dispatch(
  schema: LoadedSchema,
  state: FakeState,
  operation: Operation,
  request: RawRequest,
  contentType: string | undefined,
  origin: string,
): Reply {
  const opId = operation.operationId ?? ''
  const auth = authenticate(state, operation, request.headers.authorization)

  let body: unknown = undefined
  if (operation.requestBody) {
    if (request.body.trim() !== '' && contentType && !/json/i.test(contentType)) {
      throw new HttpError(415, { detail: `Unsupported media type "${contentType}" in request.` })
    }
    try {
      body = request.body.trim() === '' ? {} : (JSON.parse(request.body) as unknown)
    } catch (error) {
      throw new HttpError(400, { detail: `JSON parse error - ${(error as Error).message}` })
    }
  }

  const query = arrayParams(operation, request.query)
  const result = schema.api.validator.validateRequest(
    { method: request.method, path: request.path, headers: request.headers, query, body },
    operation,
  )
  if (!result.valid) throw requestError(result.errors ?? [])
  const params = (result.coerced?.params ?? {}) as Record<string, unknown>
  const coercedQuery = (result.coerced?.query ?? query) as Record<string, unknown>

  const handler = handlers[opId]
  if (!handler) {
    state.unimplementedCalls.push(opId)
    return { status: 501, body: { detail: `The fake Authentik does not implement ${opId}.` } }
  }
  const ctx: Ctx = {
    state,
    schema,
    operationId: opId,
    params,
    query: coercedQuery,
    body,
    user: auth?.user ?? null,
    token: auth?.token ?? null,
    origin,
  }
  const reply = handler(ctx)
  recordWrite(state, request.method, request.path, reply.status, ctx.user?.username ?? null, null)
  return reply
}

/** Single values of array-typed query parameters become one-element arrays (form, explode). */
function arrayParams(
  operation: Operation,
  query: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const out = { ...query }
  for (const parameter of operation.parameters ?? []) {
    if (!('in' in parameter) || parameter.in !== 'query') continue
    const paramSchema = parameter.schema as JsonObject | undefined
    const value = out[parameter.name]
    if (paramSchema?.type === 'array' && typeof value === 'string') out[parameter.name] = [value]
  }
  return out
}

/** `authentik/api/authentication.py`: Bearer only, api intent, not expired, user active. */
function authenticate(
  state: FakeState,
  operation: Operation,
  header: string | undefined,
): { user: UserRecord; token: TokenRecord } | null {
  const anonymousAllowed = (operation.security ?? []).some((req) => Object.keys(req).length === 0)
  if (!header) {
    if (anonymousAllowed) return null
    throw new HttpError(403, { detail: 'Authentication credentials were not provided.' })
  }
  const [scheme, key, ...rest] = header.trim().split(/\s+/)
  if (scheme?.toLowerCase() !== 'bearer' || !key || rest.length > 0) {
    throw new HttpError(403, { detail: 'Unsupported authentication type' })
  }
  const token = state.tokenForKey(key)
  const user = token ? state.users.get(token.user) : undefined
  if (!token || !user) throw new HttpError(403, { detail: 'Token invalid/expired' })
  return { user, token }
}

/** Ajv errors → DRF's `{field: [messages]}`; a bad path parameter is a 404 like Django's lookup. */
function requestError(errors: ErrorObject[]): HttpError {
  // No prototype: a body field called "constructor" or "__proto__" is just a field here.
  const fields = Object.create(null) as Record<string, string[]>
  const add = (field: string, message: string): void => {
    const list = (fields[field] ??= [])
    if (!list.includes(message)) list.push(message)
  }
  for (const error of errors) {
    const segments = error.instancePath.split('/').filter((s) => s !== '')
    const [where, ...rest] = segments
    if (where === 'path') return new HttpError(404, { detail: 'Not found.' })
    if (error.keyword === 'anyOf' || error.keyword === 'if') continue
    if (where === 'query' && error.keyword === 'additionalProperties') {
      const name = String(error.params.additionalProperty)
      add(name, `Unknown query parameter: the fake rejects "${name}" (real Authentik ignores it).`)
      continue
    }
    if (where === 'requestBody' && rest.length === 0) {
      if (error.keyword === 'required')
        add(String(error.params.missingProperty), 'This field is required.')
      else if (error.keyword === 'additionalProperties') {
        const name = String(error.params.additionalProperty)
        add(name, `Unknown field: the fake rejects "${name}" (real Authentik ignores it).`)
      } else add('non_field_errors', 'Invalid data. Expected a dictionary.')
      continue
    }
    if (where === undefined && error.keyword === 'required') {
      add('non_field_errors', 'No data provided')
      continue
    }
    const field = rest[0] ?? where ?? 'non_field_errors'
    add(field, drfMessage(error))
  }
  if (Object.keys(fields).length === 0) add('non_field_errors', 'Invalid input.')
  return new HttpError(400, fields)
}

function drfMessage(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return 'This field is required.'
    case 'maxLength':
      return `Ensure this field has no more than ${String(p.limit)} characters.`
    case 'minLength':
      return 'This field may not be blank.'
    case 'enum':
      return `"${String(error.data)}" is not a valid choice.`
    case 'pattern':
      return 'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'
    case 'format':
      switch (p.format) {
        case 'email':
          return 'Enter a valid email address.'
        case 'uuid':
          return 'Must be a valid UUID.'
        case 'date-time':
          return 'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].'
        default:
          return `Invalid ${String(p.format)}.`
      }
    case 'type':
      switch (p.type) {
        case 'integer':
          return 'A valid integer is required.'
        case 'boolean':
          return 'Must be a valid boolean.'
        case 'array':
          return `Expected a list of items but got type "${typeof error.data}".`
        case 'object':
          return `Expected a dictionary of items but got type "${typeof error.data}".`
        case 'null':
          return 'This field may not be null.'
        default:
          return 'Not a valid string.'
      }
    case 'additionalProperties':
      return `Unknown field "${String(p.additionalProperty)}".`
    default:
      return error.message ?? 'Invalid value.'
  }
}

function declaresNoContent(operation: Operation, status: number): boolean {
  const declared = operation.responses?.[String(status)] as { content?: object } | undefined
  return (
    declared !== undefined &&
    (declared.content === undefined || Object.keys(declared.content).length === 0)
  )
}

/** Statuses Authentik sends that drf-spectacular does not declare: DRF's `{detail}` body. */
const UNDECLARED_GENERIC = new Set([401, 404, 405, 415, 500, 501])

function checkGeneric(reply: Reply): string[] {
  const body = reply.body as JsonObject | undefined
  if (!UNDECLARED_GENERIC.has(reply.status)) return [`status ${reply.status} not declared`]
  if (
    typeof body !== 'object' ||
    body === null ||
    typeof body.detail !== 'string' ||
    Object.keys(body).some((key) => key !== 'detail' && key !== 'code')
  ) {
    return [`not a GenericError body: ${JSON.stringify(body)}`]
  }
  return []
}

function checkResponse(schema: LoadedSchema, operation: Operation, reply: Reply): string[] {
  const declared = operation.responses?.[String(reply.status)] as
    { content?: Record<string, unknown> } | undefined
  if (!declared) return checkGeneric(reply)
  const hasContent = declared.content !== undefined && Object.keys(declared.content).length > 0
  if (!hasContent) {
    return reply.body === undefined ? [] : ['body sent where the schema declares none']
  }
  if (reply.body === undefined) return ['no body sent where the schema declares one']
  const result = schema.api.validator.validateResponse(reply.body, operation, reply.status)
  return (result.errors ?? []).map(
    (error) =>
      `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`,
  )
}
