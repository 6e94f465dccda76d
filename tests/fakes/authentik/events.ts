/**
 * Authentik's event log as the fake keeps it: every successful write through the API is recorded
 * as model_created / model_updated / model_deleted (as Authentik's audit middleware does), and tests
 * record the events a real server gets from flows (login, login_failed, password_set,
 * invitation_used…) with `recordEvent`. Events are kept oldest first; the list answers newest first.
 */
import { randomUuid, type FakeState } from './state'
import type { JsonObject } from './types'

export interface EventInput {
  action: string
  username?: string
  userPk?: number
  clientIp?: string | null
  /** The application an authorize/login was for (`context.authorized_application`). */
  app?: string
  context?: JsonObject
  /** ISO time; defaults to now (tests back-date events to build a history). */
  created?: string
}

export function recordEvent(state: FakeState, input: EventInput): JsonObject {
  const created = input.created ?? state.now()
  const expires = new Date(Date.parse(created) + 365 * 86_400_000).toISOString()
  const context: JsonObject = { ...(input.context ?? {}) }
  if (input.app) {
    context.authorized_application = {
      app: 'authentik_core',
      model_name: 'application',
      name: input.app,
      pk: input.app,
    }
  }
  const event: JsonObject = {
    pk: randomUuid(),
    user: input.username ? { pk: input.userPk ?? 0, username: input.username, email: '' } : {},
    action: input.action,
    app: input.action.startsWith('model_')
      ? 'authentik.events.middleware'
      : 'authentik.events.signals',
    context,
    client_ip: input.clientIp ?? null,
    created,
    expires,
    brand: {},
  }
  state.events.push(event)
  return event
}

const WRITE_ACTIONS: Record<string, string> = {
  POST: 'model_created',
  PUT: 'model_updated',
  PATCH: 'model_updated',
  DELETE: 'model_deleted',
}

/** A successful API write becomes a model event, attributed to the token's user. */
export function recordWrite(
  state: FakeState,
  method: string,
  path: string,
  status: number,
  username: string | null,
  clientIp: string | null,
): void {
  if (status >= 300) return
  // Authentik records password_set (not a model change) when a user's password is set.
  const password = /\/core\/users\/(\d+)\/set_password\/$/.exec(path)
  if (password && method.toUpperCase() === 'POST') {
    const pk = Number(password[1])
    const user = state.users.get(pk)
    recordEvent(state, { action: 'password_set', username: user?.username, userPk: pk, clientIp })
    return
  }
  const action = WRITE_ACTIONS[method.toUpperCase()]
  if (!action) return
  // /api/v3/core/users/12/ → model "users", pk "12"; actions on an object (…/set_password/) are not model changes.
  const parts = path
    .replace(/^\/api\/v3\//, '')
    .split('/')
    .filter((p) => p !== '')
  if (parts.length < 2 || parts.length > 3) return
  const [app, modelName, pk] = parts as [string, string, string | undefined]
  if (action !== 'model_created' && pk === undefined) return
  recordEvent(state, {
    action,
    username: username ?? undefined,
    clientIp,
    context: {
      model: {
        app: `authentik_${app}`,
        model_name: modelName.replace(/s$/, ''),
        pk: pk ?? '',
        name: pk ?? modelName,
      },
    },
  })
}
