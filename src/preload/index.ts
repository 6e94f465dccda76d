/**
 * The preload exposes exactly one object, `window.gatehouse`, with the contract's two verbs.
 * Never ipcRenderer, process or require: the renderer reaches the machine only through the
 * contract, and the main process validates every call again.
 */
import { contextBridge, ipcRenderer } from 'electron'
import type { GatehouseBridge, PayloadOf, Topic } from '../shared/contract'

const INVOKE = 'gatehouse:invoke'
const SUBSCRIBE = 'gatehouse:subscribe'
const UNSUBSCRIBE = 'gatehouse:unsubscribe'
const EVENT = 'gatehouse:event'

const listeners = new Map<string, Set<(payload: unknown) => void>>()

ipcRenderer.on(EVENT, (_event, topic: string, payload: unknown) => {
  for (const listener of [...(listeners.get(topic) ?? [])]) listener(payload)
})

export const bridge: GatehouseBridge = {
  invoke: (method, input) => ipcRenderer.invoke(INVOKE, method, input),
  subscribe<T extends Topic>(topic: T, listener: (payload: PayloadOf<T>) => void) {
    let set = listeners.get(topic)
    if (!set) {
      listeners.set(topic, (set = new Set()))
      ipcRenderer.send(SUBSCRIBE, topic)
    }
    set.add(listener as (payload: unknown) => void)
    return () => {
      set.delete(listener as (payload: unknown) => void)
      if (set.size === 0) {
        listeners.delete(topic)
        ipcRenderer.send(UNSUBSCRIBE, topic)
      }
    }
  },
}

contextBridge.exposeInMainWorld('gatehouse', bridge)
