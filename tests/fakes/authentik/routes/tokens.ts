import { serializeToken } from '../serialize'
import type { TokenIntent, TokenRecord } from '../state'
import { HttpError, notFound, type JsonObject } from '../types'
import {
  bodyObject,
  has,
  noContent,
  ok,
  requireSuperuser,
  type Ctx,
  type HandlerMap,
} from './context'
import { exact, listReply } from './list'

const IDENTIFIER_TAKEN = 'Token with this identifier already exists.'
/** Django default of Token.expires: now + 30 minutes. */
const DEFAULT_DURATION_MS = 30 * 60 * 1000

function findToken(ctx: Ctx): TokenRecord {
  const token = ctx.state.tokens.get(String(ctx.params.identifier))
  if (!token) throw notFound()
  return token
}

function applyToken(ctx: Ctx, token: TokenRecord | null, body: JsonObject): TokenRecord {
  const identifier = body.identifier
  if (typeof identifier === 'string') {
    const other = ctx.state.tokens.get(identifier)
    if (other && other !== token) throw new HttpError(400, { identifier: [IDENTIFIER_TAKEN] })
  }
  const intent = (body.intent as TokenIntent | undefined) ?? token?.intent ?? 'verification'
  if (intent !== 'api' && intent !== 'app_password') {
    throw new HttpError(400, { intent: [`Invalid intent ${intent}`] })
  }
  const userPk = has(body, 'user') ? Number(body.user) : (token?.user ?? ctx.user?.pk)
  if (userPk === undefined || !ctx.state.users.has(userPk)) {
    throw new HttpError(400, {
      user: [`Invalid pk "${String(body.user)}" - object does not exist.`],
    })
  }
  const expiring = typeof body.expiring === 'boolean' ? body.expiring : (token?.expiring ?? true)
  let expires = has(body, 'expires') ? (body.expires as string | null) : (token?.expires ?? null)
  if (!token && expiring && expires === null) {
    expires = new Date(Date.now() + DEFAULT_DURATION_MS).toISOString()
  }
  const fields: Partial<TokenRecord> = { intent, user: userPk, expiring, expires }
  if (typeof body.description === 'string') fields.description = body.description
  if (has(body, 'managed')) fields.managed = (body.managed as string | null) ?? null
  if (token) {
    if (typeof identifier === 'string' && identifier !== token.identifier) {
      ctx.state.tokens.delete(token.identifier)
      token.identifier = identifier
      ctx.state.tokens.set(identifier, token)
    }
    Object.assign(token, fields)
    return token
  }
  return ctx.state.addToken({ identifier: String(identifier), ...fields, user: userPk })
}

export const tokenHandlers: HandlerMap = {
  core_tokens_list: (ctx) => {
    requireSuperuser(ctx)
    const tokens = [...ctx.state.tokens.values()].map((token) => ({
      ...serializeToken(ctx.state, token),
      user__username: ctx.state.users.get(token.user)?.username,
    }))
    const reply = listReply(ctx, tokens, {
      filters: {
        identifier: exact('identifier'),
        intent: exact('intent'),
        managed: exact('managed'),
        description: exact('description'),
        expiring: exact('expiring'),
        user__username: exact('user__username'),
      },
      searchFields: ['identifier', 'intent', 'user__username', 'description'],
      ordering: 'identifier',
    })
    const body = reply.body as { results: JsonObject[] }
    for (const item of body.results) delete item.user__username
    return reply
  },

  core_tokens_create: (ctx) => {
    requireSuperuser(ctx)
    return ok(serializeToken(ctx.state, applyToken(ctx, null, bodyObject(ctx))), 201)
  },

  core_tokens_retrieve: (ctx) => {
    requireSuperuser(ctx)
    return ok(serializeToken(ctx.state, findToken(ctx)))
  },

  core_tokens_update: (ctx) => {
    requireSuperuser(ctx)
    return ok(serializeToken(ctx.state, applyToken(ctx, findToken(ctx), bodyObject(ctx))))
  },

  core_tokens_partial_update: (ctx) => {
    requireSuperuser(ctx)
    return ok(serializeToken(ctx.state, applyToken(ctx, findToken(ctx), bodyObject(ctx))))
  },

  core_tokens_destroy: (ctx) => {
    requireSuperuser(ctx)
    ctx.state.tokens.delete(findToken(ctx).identifier)
    return noContent()
  },

  core_tokens_set_key_create: (ctx) => {
    requireSuperuser(ctx)
    const token = findToken(ctx)
    token.key = String(bodyObject(ctx).key)
    return noContent()
  },

  core_tokens_view_key_retrieve: (ctx) => {
    requireSuperuser(ctx)
    const token = findToken(ctx)
    if (ctx.state.isExpired(token)) throw notFound()
    return ok({ key: token.key })
  },
}
