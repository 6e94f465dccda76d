import { z } from 'zod'
import { method } from './define'

/**
 * Authentik's event log (who logged in, who failed, what changed), read live from
 * `/events/events/`: Gatehouse keeps no copy. Filters are the ones Authentik's API declares, so
 * paging is server-side at any size; `poll` is the live feed (a cursor, no reload of the list).
 */

export const EventAction = z.string().trim().min(1).max(64)

const filters = {
  /** Any of these actions (login, login_failed, model_created, invitation_used, …). */
  actions: z.array(EventAction).max(32).optional(),
  username: z.string().trim().min(1).max(150).optional(),
  client_ip: z.string().trim().min(1).max(64).optional(),
  /** An application's pk (slug) the event was for (`context.authorized_application`). */
  application: z.string().trim().min(1).max(200).optional(),
}
export const EventFilters = z.strictObject(filters)
export type EventFilters = z.infer<typeof EventFilters>

export const EventRow = z.object({
  pk: z.string(),
  action: z.string(),
  created: z.string(),
  username: z.string().nullable(),
  client_ip: z.string().nullable(),
  application: z.string().nullable(),
  /** e.g. "user 12" for model_* events, the app for logins. */
  subject: z.string().nullable(),
  /** Part of a failed-login burst: 5+ login_failed from one IP or for one user within 10 minutes. */
  burst: z.boolean(),
})
export type EventRow = z.infer<typeof EventRow>

/** Where the live feed stands: the newest event seen (created time, then pk for ties). */
export const EventCursor = z.object({ created: z.string(), pks: z.array(z.string()).max(1000) })
export type EventCursor = z.infer<typeof EventCursor>

export const events = {
  list: method({
    summary: 'One page of Authentik events, newest first (filters applied by the server)',
    input: z.strictObject({
      ...filters,
      page: z.int().min(1).default(1),
      page_size: z.int().min(1).max(100).default(50),
    }),
    output: z.object({
      count: z.int(),
      page: z.int(),
      next: z.int(),
      results: z.array(EventRow),
      /** Hand this to `events.poll` to get only what happens after this page was read. */
      cursor: EventCursor.nullable(),
    }),
  }),
  poll: method({
    summary: 'Events newer than a cursor (the live feed), newest first, at most 500',
    input: z.strictObject({ ...filters, cursor: EventCursor.nullable().default(null) }),
    output: z.object({
      results: z.array(EventRow),
      cursor: EventCursor.nullable(),
      /** More than 500 new events: reload the first page instead. */
      truncated: z.boolean(),
    }),
  }),
}
