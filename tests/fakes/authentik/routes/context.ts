import type { LoadedSchema } from '../openapi'
import type { FakeState, TokenRecord, UserRecord } from '../state'
import { HttpError, type JsonObject } from '../types'

export interface Ctx {
  state: FakeState
  schema: LoadedSchema
  operationId: string
  /** Path parameters, coerced to the schema's types. */
  params: Record<string, unknown>
  /** Query parameters, coerced to the schema's types; only declared ones get here. */
  query: Record<string, unknown>
  body: unknown
  /** null on anonymous operations called without a token. */
  user: UserRecord | null
  token: TokenRecord | null
  /** `http://host:port` the client called (for links Authentik builds from the request). */
  origin: string
}

export interface Reply {
  status: number
  body?: unknown
  /** A pre-rendered body (the YAML schema); validated as `body` when that is given too. */
  text?: string
  contentType?: string
}

export type Handler = (ctx: Ctx) => Reply
export type HandlerMap = Record<string, Handler>

export const ok = (body: unknown, status = 200): Reply => ({ status, body })
export const noContent = (): Reply => ({ status: 204 })

export const bodyObject = (ctx: Ctx): JsonObject => {
  const body = ctx.body
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, { non_field_errors: ['Invalid data. Expected a dictionary.'] })
  }
  return body as JsonObject
}

export const has = (body: JsonObject, key: string): boolean => Object.hasOwn(body, key)

export function requireSuperuser(ctx: Ctx): void {
  if (!ctx.user || !ctx.state.isSuperuser(ctx.user.pk)) {
    throw new HttpError(403, { detail: 'You do not have permission to perform this action.' })
  }
}
