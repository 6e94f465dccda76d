import { ok, type HandlerMap } from './context'
import { HttpError, type JsonObject } from '../types'
import { listReply, type Filter } from './list'

const nested =
  (pick: (event: JsonObject) => unknown): Filter =>
  (event, value) =>
    String(pick(event) ?? '') === String(value)
const ctxObj = (event: JsonObject, key: string) =>
  ((event.context as JsonObject | undefined)?.[key] as JsonObject | undefined) ?? undefined

export const eventHandlers: HandlerMap = {
  events_events_list: (ctx) =>
    listReply(ctx, ctx.state.events, {
      filters: {
        action: (event, value) => event.action === value,
        actions: (event, value) => (Array.isArray(value) ? value : [value]).includes(event.action),
        username: nested((e) => (e.user as JsonObject | undefined)?.username),
        client_ip: (event, value) => event.client_ip === value,
        brand_name: nested((e) => (e.brand as JsonObject | undefined)?.name),
        context_authorized_app: nested((e) => ctxObj(e, 'authorized_application')?.pk),
        context_model_app: nested((e) => ctxObj(e, 'model')?.app),
        context_model_name: nested((e) => ctxObj(e, 'model')?.model_name),
        context_model_pk: nested((e) => ctxObj(e, 'model')?.pk),
        context_device: nested((e) => ctxObj(e, 'device')?.pk),
      },
      searchFields: ['action', 'app', 'client_ip'],
      ordering: '-created',
    }),
  events_events_retrieve: (ctx) => {
    const event = ctx.state.events.find((e) => e.pk === ctx.params.event_uuid)
    if (!event) throw new HttpError(404, { detail: 'No Event matches the given query.' })
    return ok(event)
  },
}
