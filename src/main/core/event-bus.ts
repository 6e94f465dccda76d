import { events, isTopic, type PayloadOf, type Topic } from '../../shared/contract'

type Listener = (payload: unknown) => void

/**
 * Main-side fan-out of the contract's event streams. Producers that cost something (polling the
 * engine, following logs) watch `onActive` so they run only while somebody listens.
 */
export interface EventBus {
  emit<T extends Topic>(topic: T, payload: PayloadOf<T>): void
  subscribe(topic: unknown, listener: Listener): () => void
  listenerCount(topic: Topic): number
  /** `change(true)` at once when the topic already has listeners, then on every change. */
  onActive(topic: Topic, change: (active: boolean) => void): () => void
}

export function createEventBus(): EventBus {
  const listeners = new Map<Topic, Set<Listener>>()
  const watchers = new Map<Topic, Set<(active: boolean) => void>>()

  const notify = (topic: Topic, active: boolean) => {
    for (const watcher of watchers.get(topic) ?? []) watcher(active)
  }

  return {
    emit(topic, payload) {
      // Validate what goes out so a producer bug is caught here, not in three renderers.
      const parsed = events[topic].payload.parse(payload)
      for (const listener of [...(listeners.get(topic) ?? [])]) {
        try {
          listener(parsed)
        } catch {
          // One broken subscriber (a closed socket, a destroyed window) must not starve the rest.
        }
      }
    },
    subscribe(topic, listener) {
      if (!isTopic(topic)) throw new Error(`Unknown event topic ${String(topic).slice(0, 80)}`)
      let set = listeners.get(topic)
      if (!set) listeners.set(topic, (set = new Set()))
      set.add(listener)
      if (set.size === 1) notify(topic, true)
      let done = false
      return () => {
        if (done) return
        done = true
        set.delete(listener)
        if (set.size === 0) notify(topic, false)
      }
    },
    listenerCount(topic) {
      return listeners.get(topic)?.size ?? 0
    },
    onActive(topic, change) {
      let set = watchers.get(topic)
      if (!set) watchers.set(topic, (set = new Set()))
      set.add(change)
      // A producer loaded lazily (after the first subscriber came) must still start.
      if ((listeners.get(topic)?.size ?? 0) > 0) change(true)
      return () => set.delete(change)
    },
  }
}
