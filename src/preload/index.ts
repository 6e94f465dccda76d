/**
 * The preload exposes exactly one object, `window.gatehouse`, with the contract's two verbs.
 * Never ipcRenderer, process or require: the renderer reaches the machine only through the
 * contract, and the main process validates every call again.
 */
import { contextBridge, ipcRenderer } from 'electron'
import {
  isMethodName,
  isTopic,
  type GatehouseBridge,
  type PayloadOf,
  type Topic,
} from '../shared/contract'

const INVOKE = 'gatehouse:invoke'
const SUBSCRIBE = 'gatehouse:subscribe'
const UNSUBSCRIBE = 'gatehouse:unsubscribe'
const EVENT = 'gatehouse:event'

const listeners = new Map<string, Set<(payload: unknown) => void>>()

ipcRenderer.on(EVENT, (_event, topic: string, payload: unknown) => {
  for (const listener of [...(listeners.get(topic) ?? [])]) listener(payload)
})

/**
 * A name outside the contract is answered here, as the main process would answer it, and never
 * reaches IPC: whatever runs in the page can only ever ask for what the contract declares.
 */
function unknownMethod(method: unknown) {
  const shown = typeof method === 'string' ? method.slice(0, 80) : typeof method
  return Promise.resolve({
    ok: false as const,
    error: {
      code: 'UNKNOWN_METHOD' as const,
      message: `Gatehouse has no method "${shown}".`,
      hint: 'Call one of the methods the contract declares.',
    },
  })
}

export const bridge: GatehouseBridge = {
  invoke: (method, input) =>
    isMethodName(method) ? ipcRenderer.invoke(INVOKE, method, input) : unknownMethod(method),
  subscribe<T extends Topic>(topic: T, listener: (payload: PayloadOf<T>) => void) {
    // An unknown topic has no events to deliver; the main process would ignore it too.
    if (!isTopic(topic) || typeof listener !== 'function') return () => {}
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
