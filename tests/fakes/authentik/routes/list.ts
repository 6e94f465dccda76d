/**
 * Authentik's list behaviour: exact filters, `search`, `ordering`, and the pagination envelope
 * (`next`/`previous` are page numbers, 0 when there is none; 2025.8+ adds `autocomplete`).
 */
import { HttpError, type JsonObject } from '../types'
import type { Ctx, Reply } from './context'
import { hasFeature } from '../../../../src/shared/authentik-releases'

export type Filter = (item: JsonObject, value: unknown) => boolean

export interface ListConfig {
  filters: Record<string, Filter>
  searchFields: string[]
  ordering: string
  /** Query parameters that change the representation, not the selection (handled by the caller). */
  representation?: string[]
}

const PAGING = new Set(['page', 'page_size', 'ordering', 'search'])
const PAGE_SIZE = 100

export const exact =
  (field: string): Filter =>
  (item, value) =>
    item[field] === value

export const iexact =
  (field: string): Filter =>
  (item, value) =>
    String(item[field] ?? '').toLowerCase() === String(value).toLowerCase()

export const icontains =
  (field: string): Filter =>
  (item, value) =>
    String(item[field] ?? '')
      .toLowerCase()
      .includes(String(value).toLowerCase())

export const oneOf =
  (field: string): Filter =>
  (item, value) =>
    (Array.isArray(value) ? value : [value]).includes(item[field])

/** Same order as `localeCompare` without arguments, but a reused collator is much faster. */
const collator = new Intl.Collator()

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  return collator.compare(String(a ?? ''), String(b ?? ''))
}

export function listReply(ctx: Ctx, items: JsonObject[], config: ListConfig): Reply {
  return { status: 200, body: paginate(ctx, select(ctx, items, config)) }
}

/** Filters, search and ordering of a list (no paging). */
export function select(ctx: Ctx, items: JsonObject[], config: ListConfig): JsonObject[] {
  let selected = items
  for (const [name, value] of Object.entries(ctx.query)) {
    if (PAGING.has(name) || config.representation?.includes(name)) continue
    const filter = config.filters[name]
    if (!filter) {
      // Declared by the schema but not modelled: refuse loudly instead of ignoring it.
      throw new HttpError(400, {
        [name]: [`The fake Authentik does not model the filter "${name}" on ${ctx.operationId}.`],
      })
    }
    selected = selected.filter((item) => filter(item, value))
  }
  const search = ctx.query.search
  if (typeof search === 'string' && search !== '') {
    const needle = search.toLowerCase()
    selected = selected.filter((item) =>
      config.searchFields.some((field) =>
        String(item[field] ?? '')
          .toLowerCase()
          .includes(needle),
      ),
    )
  }
  const ordering = typeof ctx.query.ordering === 'string' ? ctx.query.ordering : config.ordering
  const keys = ordering.split(',').filter((key) => key !== '')
  selected = [...selected].sort((a, b) => {
    for (const key of keys) {
      const field = key.replace(/^-/, '')
      const result = compare(a[field], b[field]) * (key.startsWith('-') ? -1 : 1)
      if (result !== 0) return result
    }
    return 0
  })
  return selected
}

export function paginate(ctx: Ctx, items: unknown[]): JsonObject {
  // DRF falls back to the default page size for a page_size that is not a positive integer.
  const requested = ctx.query.page_size
  const pageSize = typeof requested === 'number' && requested > 0 ? requested : PAGE_SIZE
  const page = typeof ctx.query.page === 'number' ? ctx.query.page : 1
  if (page < 1) throw new HttpError(404, { detail: 'Invalid page.' })
  const count = items.length
  const totalPages = Math.max(1, Math.ceil(count / pageSize))
  if (page > totalPages) throw new HttpError(404, { detail: 'Invalid page.' })
  const results = items.slice((page - 1) * pageSize, page * pageSize)
  const startIndex = count === 0 ? 0 : (page - 1) * pageSize + 1
  const body: JsonObject = {
    pagination: {
      next: page < totalPages ? page + 1 : 0,
      previous: page > 1 ? page - 1 : 0,
      count,
      current: page,
      total_pages: totalPages,
      start_index: startIndex,
      end_index: count === 0 ? 0 : startIndex + results.length - 1,
    },
    results,
  }
  if (hasFeature(ctx.state.version, 'listAutocomplete')) body.autocomplete = {}
  return body
}
