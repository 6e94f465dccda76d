import type { Readable } from 'node:stream'
import { longRunningApi } from './clients'
import type { DockerEngine } from './engine'

/**
 * Wakes a health wait the moment the engine reports a change on one of the project's containers
 * (`health_status`, `die`, `start`, `restart`, …) instead of after the next poll: with the
 * stand-in images turning healthy in ~300 ms, a 250 ms poll cost Start up to a quarter second per
 * dependency level (#16). Polling stays as the safety net: when the events stream cannot be opened
 * (a socket proxy that blocks /events) or drops, waits fall back to their poll interval.
 *
 * Each container has a change counter; a waiter passes the count it saw before its inspect, so an
 * event that lands between the inspect and the wait is never missed.
 */
export interface ContainerChanges {
  /** Changes seen so far for this container (by name). */
  count(container: string): number
  /** Resolves on the first change after `seen`, or after `ms`, whichever comes first. */
  next(container: string, seen: number, ms: number): Promise<void>
  close(): void
}

interface EngineEvent {
  Type?: string
  Action?: string
  Actor?: { Attributes?: Record<string, string> }
}

/** Polling only: what a wait uses when no events stream is open. */
export const pollingOnly: ContainerChanges = {
  count: () => 0,
  next: (_c, _s, ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  close: () => undefined,
}

export async function watchContainerChanges(
  engine: DockerEngine,
  project: string,
  openTimeoutMs = 2_000,
): Promise<ContainerChanges> {
  // Aborted on close, and when the engine does not answer in time (a proxy that holds /events):
  // a request left pending would keep the CLI process alive.
  const abort = new AbortController()
  let stream: Readable
  try {
    stream = await Promise.race([
      longRunningApi(engine).getEvents({
        filters: { type: ['container'], label: [`com.docker.compose.project=${project}`] },
        abortSignal: abort.signal,
      }) as Promise<Readable>,
      new Promise<never>((_r, reject) =>
        setTimeout(() => reject(new Error('events timeout')), openTimeoutMs).unref(),
      ),
    ])
  } catch {
    abort.abort()
    return pollingOnly
  }
  const counts = new Map<string, number>()
  const waiters = new Set<{ container: string; wake: () => void }>()
  let buffer = ''
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    let newline: number
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim()
      buffer = buffer.slice(newline + 1)
      if (!line) continue
      let event: EngineEvent
      try {
        event = JSON.parse(line) as EngineEvent
      } catch {
        continue
      }
      const name = event.Actor?.Attributes?.name
      if (!name) continue
      counts.set(name, (counts.get(name) ?? 0) + 1)
      for (const w of [...waiters]) if (w.container === name) w.wake()
    }
  })
  // A dropped stream only means waits poll again; nothing to report.
  stream.on('error', () => undefined)
  return {
    count: (container) => counts.get(container) ?? 0,
    next(container, seen, ms) {
      if ((counts.get(container) ?? 0) > seen) return Promise.resolve()
      return new Promise((resolve) => {
        const waiter = {
          container,
          wake: () => {
            clearTimeout(timer)
            waiters.delete(waiter)
            resolve()
          },
        }
        const timer = setTimeout(waiter.wake, ms)
        waiters.add(waiter)
      })
    },
    close() {
      for (const w of [...waiters]) w.wake()
      stream.destroy()
      abort.abort()
    },
  }
}
