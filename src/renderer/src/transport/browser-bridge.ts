import type { GatehouseBridge, PayloadOf, Topic } from '../../../shared/contract'
import type { Envelope, GatehouseErrorData } from '../../../shared/errors'

const UNAUTHORISED: GatehouseErrorData = {
  code: 'UNAUTHORIZED',
  message: 'This browser tab has no valid Gatehouse token.',
  hint: 'Open the address `npm run serve` printed, including ?token=…; the token changes at every start.',
}

function transportFailure(message: string): Envelope<never> {
  return {
    ok: false,
    error: {
      code: 'TRANSPORT_FAILED',
      message,
      hint: 'Check that `npm run serve` is still running (and your SSH tunnel, if you use one), then retry.',
    },
  }
}

/**
 * The contract over the browser host: calls as HTTP POSTs, events over one WebSocket that
 * reconnects by itself. Authentication rides on the same-site cookie the host set.
 */
export function createBrowserBridge(origin: string = window.location.origin): GatehouseBridge {
  const listeners = new Map<string, Set<(payload: never) => void>>()
  let socket: WebSocket | null = null
  let retryMs = 500

  const send = (message: object) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message))
  }

  const connect = () => {
    if (socket || listeners.size === 0) return
    const ws = new WebSocket(origin.replace(/^http/, 'ws') + '/api/events')
    socket = ws
    ws.onopen = () => {
      retryMs = 500
      for (const topic of listeners.keys()) send({ type: 'subscribe', topic })
    }
    ws.onmessage = (message) => {
      let data: { type?: string; topic?: string; payload?: unknown }
      try {
        data = JSON.parse(String(message.data)) as typeof data
      } catch {
        return
      }
      if (data.type !== 'event' || typeof data.topic !== 'string') return
      for (const listener of [...(listeners.get(data.topic) ?? [])]) listener(data.payload as never)
    }
    ws.onclose = () => {
      socket = null
      if (listeners.size === 0) return
      setTimeout(connect, retryMs)
      retryMs = Math.min(retryMs * 2, 10_000)
    }
  }

  return {
    async invoke(method, input) {
      let response: Response
      try {
        response = await fetch(`${origin}/api/invoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify({ method, input }),
        })
      } catch {
        return transportFailure('Gatehouse cannot reach its browser host.')
      }
      if (response.status === 401) return { ok: false, error: UNAUTHORISED }
      if (!response.ok)
        return transportFailure(`The browser host answered HTTP ${response.status} for ${method}.`)
      return (await response.json()) as never
    },
    subscribe<T extends Topic>(topic: T, listener: (payload: PayloadOf<T>) => void) {
      let set = listeners.get(topic)
      if (!set) {
        listeners.set(topic, (set = new Set()))
        send({ type: 'subscribe', topic })
      }
      set.add(listener as (payload: never) => void)
      connect()
      return () => {
        set.delete(listener as (payload: never) => void)
        if (set.size > 0) return
        listeners.delete(topic)
        send({ type: 'unsubscribe', topic })
        if (listeners.size === 0) socket?.close()
      }
    },
  }
}
