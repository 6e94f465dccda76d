import { z } from 'zod'
import type { EventCursor, EventFilters, EventRow, ParsedInputOf } from '../../shared/contract'
import { hasFeature } from '../../shared/authentik-releases'
import { GatehouseError } from '../../shared/errors'
import type { AuthentikClient } from '../authentik/client'
import { pageAs } from '../authentik/typed-rest'
import type { DirectoryContext } from './session'

/** The fields of Authentik's Event serializer Gatehouse reads (the rest is passed over). */
const AkEvent = z.object({
  pk: z.string(),
  action: z.string(),
  created: z.string(),
  client_ip: z.string().nullable().optional(),
  user: z.record(z.string(), z.unknown()).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
})
type AkEvent = z.infer<typeof AkEvent>

const POLL_LIMIT = 500
const BURST_SIZE = 5
const BURST_WINDOW_MS = 10 * 60_000

const str = (value: unknown): string | null =>
  typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : null
const obj = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}

function toRow(event: AkEvent): Omit<EventRow, 'burst'> {
  const context = obj(event.context)
  const model = obj(context.model)
  const app = obj(context.authorized_application)
  return {
    pk: event.pk,
    action: event.action,
    created: event.created,
    username: str(obj(event.user).username),
    client_ip: event.client_ip ?? null,
    application: str(app.pk) ?? str(app.name),
    subject: str(model.model_name)
      ? `${str(model.model_name)} ${str(model.pk) ?? ''}`.trim()
      : null,
  }
}

/**
 * Marks failed logins that belong to a burst: BURST_SIZE or more login_failed events from one client
 * IP or for one username inside a sliding BURST_WINDOW_MS (what a password-guessing run looks like).
 */
export function markBursts(rows: Omit<EventRow, 'burst'>[]): EventRow[] {
  const burst = new Set<string>()
  const failed = rows
    .filter((r) => r.action === 'login_failed')
    .map((r) => ({ row: r, at: Date.parse(r.created) }))
    .sort((a, b) => a.at - b.at)
  const keysOf = (r: Omit<EventRow, 'burst'>) =>
    [r.client_ip && `ip:${r.client_ip}`, r.username && `user:${r.username}`].filter(
      (k): k is string => Boolean(k),
    )
  const byKey = new Map<string, { row: Omit<EventRow, 'burst'>; at: number }[]>()
  for (const entry of failed) {
    for (const key of keysOf(entry.row)) byKey.set(key, [...(byKey.get(key) ?? []), entry])
  }
  for (const entries of byKey.values()) {
    let start = 0
    for (let end = 0; end < entries.length; end++) {
      while (entries[end]!.at - entries[start]!.at > BURST_WINDOW_MS) start++
      if (end - start + 1 >= BURST_SIZE) {
        for (let i = start; i <= end; i++) burst.add(entries[i]!.row.pk)
      }
    }
  }
  return rows.map((r) => ({ ...r, burst: burst.has(r.pk) }))
}

function query(client: AuthentikClient, filters: EventFilters) {
  const actions = filters.actions ?? []
  const canSeveral = hasFeature(client.version.raw, 'eventActionsFilter')
  // Before 2025.8 the API knows only `action`; it would silently ignore `actions` and list everything.
  if (!canSeveral && actions.length > 1) {
    throw new GatehouseError({
      code: 'AUTHENTIK_FEATURE_MISSING',
      message: `Authentik ${client.version.raw} filters events by one action at a time; several at once arrived in Authentik 2025.8.`,
      hint: 'Pick one action, or upgrade Authentik.',
      details: { version: client.version.raw, needs: '2025.8', actions },
    })
  }
  const several = canSeveral && actions.length > 0
  return {
    actions: several ? actions : undefined,
    action: !several && actions.length === 1 ? actions[0] : undefined,
    username: filters.username,
    client_ip: filters.client_ip,
    context_authorized_app: filters.application,
    ordering: '-created',
  }
}

function cursorOf(
  rows: readonly Omit<EventRow, 'burst'>[],
  previous: EventCursor | null,
): EventCursor | null {
  const newest = rows[0]
  if (!newest) return previous
  return {
    created: newest.created,
    pks: rows.filter((r) => r.created === newest.created).map((r) => r.pk),
  }
}

async function page(
  client: AuthentikClient,
  filters: EventFilters,
  page: number,
  pageSize: number,
) {
  return pageAs(
    client,
    AkEvent,
    '/events/events/',
    { ...query(client, filters), page, page_size: pageSize },
    'list events',
  )
}

export function createEventsService(ctx: DirectoryContext) {
  return {
    async list(input: ParsedInputOf<'events.list'>) {
      const { client } = await ctx.session()
      const result = await page(client, input, input.page, input.page_size)
      const rows = result.results.map(toRow)
      return {
        count: result.count,
        page: input.page,
        next: result.next,
        results: markBursts(rows),
        // Only the first page is the top of the log; a later page's cursor would skip events.
        cursor: input.page === 1 ? cursorOf(rows, null) : null,
      }
    },

    /**
     * The live feed: reads pages newest first until it reaches the cursor, so a poll costs one
     * small request when nothing happened. Events sharing the cursor's timestamp are told apart
     * by pk, so none is shown twice or lost.
     */
    async poll(input: ParsedInputOf<'events.poll'>) {
      const { client } = await ctx.session()
      const { cursor } = input
      const fresh: Omit<EventRow, 'burst'>[] = []
      const seen = new Set(cursor?.pks ?? [])
      const pageSize = cursor ? 20 : 100
      let truncated = false
      for (let n = 1; n > 0;) {
        const result = await page(client, input, n, pageSize)
        let reached = cursor === null
        for (const row of result.results.map(toRow)) {
          if (
            cursor &&
            (row.created < cursor.created || (row.created === cursor.created && seen.has(row.pk)))
          ) {
            if (row.created < cursor.created) reached = true
            continue
          }
          fresh.push(row)
        }
        if (reached || fresh.length >= POLL_LIMIT) {
          truncated = !reached && result.next > 0
          break
        }
        n = result.next
      }
      const results = fresh.slice(0, POLL_LIMIT)
      let next = cursorOf(results, cursor)
      if (next && cursor && next.created === cursor.created)
        next = { ...next, pks: [...cursor.pks, ...next.pks].slice(-1000) }
      return { results: markBursts(results), cursor: next, truncated }
    },
  }
}
