import { ref, shallowRef } from 'vue'
import type { GatehouseErrorData } from '../../../shared/errors'
import { errorData } from '../errors'

export interface PageResult<T> {
  count: number
  results: T[]
}

/**
 * A server-paged list of any length held as a sparse array: `rows` has one slot per object on the
 * server (`count`), filled page by page as the view scrolls to it, `null` until then. The table
 * can therefore show the true scroll height of 10 000 users at once and jump to the end, while
 * only the pages actually looked at travel over the contract.
 */
export function usePagedList<T>(
  fetchPage: (page: number, pageSize: number) => Promise<PageResult<T>>,
  pageSize = 100,
) {
  const rows = shallowRef<(T | null)[]>([])
  const count = ref(0)
  /** True while the first page of a (re)load is on its way. */
  const loading = ref(false)
  const error = ref<GatehouseErrorData | null>(null)
  /** `performance.now()` when the first page of the current load arrived (benchmarks). */
  const dataAt = ref<number | null>(null)
  const loaded = new Set<number>()
  const inflight = new Map<number, Promise<void>>()
  let generation = 0

  function place(page: number, result: PageResult<T>) {
    const next = rows.value.slice()
    if (result.count !== next.length) next.length = result.count
    for (let i = next.length - 1; i >= 0 && next[i] === undefined; i--) next[i] = null
    result.results.forEach((row, i) => {
      const index = (page - 1) * pageSize + i
      if (index < next.length) next[index] = row
    })
    count.value = result.count
    rows.value = next
    loaded.add(page)
  }

  function loadPage(page: number): Promise<void> {
    const existing = inflight.get(page)
    if (existing) return existing
    const gen = generation
    const promise = fetchPage(page, pageSize)
      .then((result) => {
        if (gen === generation) place(page, result)
      })
      .catch((e: unknown) => {
        if (gen === generation) error.value = errorData(e)
      })
      .finally(() => {
        if (gen === generation) inflight.delete(page)
      })
    inflight.set(page, promise)
    return promise
  }

  /** Drops everything and loads page 1 (after a search, a filter, or a change). */
  async function reload(): Promise<void> {
    generation += 1
    loaded.clear()
    inflight.clear()
    error.value = null
    loading.value = true
    dataAt.value = null
    const gen = generation
    try {
      const first = await fetchPage(1, pageSize)
      if (gen !== generation) return
      rows.value = new Array<T | null>(first.count).fill(null)
      place(1, first)
      dataAt.value = performance.now()
      // For bench/users-panel.ts: "data arrived" as a mark the benchmark reads from the page.
      performance.mark('gatehouse:list-data')
    } catch (e) {
      if (gen === generation) {
        error.value = errorData(e)
        rows.value = []
        count.value = 0
      }
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  /** Makes sure rows `from`..`to` (inclusive) are loaded or on their way. */
  function ensureRange(from: number, to: number): void {
    if (count.value === 0) return
    const first = Math.max(1, Math.floor(Math.max(0, from) / pageSize) + 1)
    const last = Math.floor(Math.min(count.value - 1, to) / pageSize) + 1
    for (let page = first; page <= last; page++) {
      if (!loaded.has(page)) void loadPage(page)
    }
  }

  /** Reloads the page holding row `index`, e.g. after that row was edited. */
  async function refreshRow(index: number): Promise<void> {
    const page = Math.floor(index / pageSize) + 1
    loaded.delete(page)
    await loadPage(page)
  }

  /** A change's result, once the list shows the server as it is after the change. */
  async function reloadAfter<R>(change: Promise<R>): Promise<R> {
    const result = await change
    await reload()
    return result
  }

  return {
    rows,
    count,
    loading,
    error,
    dataAt,
    pageSize,
    reload,
    ensureRange,
    refreshRow,
    reloadAfter,
  }
}

export type PagedList<T> = ReturnType<typeof usePagedList<T>>
