import type { IpcMain, WebContents } from 'electron'
import type { Services } from '../services'
import { isTrustedSender, type AppLocation } from './security'

export const INVOKE_CHANNEL = 'gatehouse:invoke'
export const SUBSCRIBE_CHANNEL = 'gatehouse:subscribe'
export const UNSUBSCRIBE_CHANNEL = 'gatehouse:unsubscribe'
export const EVENT_CHANNEL = 'gatehouse:event'

/** The whole contract over three fixed channels; no per-method IPC wiring. */
export function registerIpc(ipcMain: IpcMain, services: Services, location: AppLocation) {
  const subscriptions = new Map<WebContents, Map<string, () => void>>()

  ipcMain.handle(INVOKE_CHANNEL, (event, method: unknown, input: unknown) => {
    if (!isTrustedSender(event.senderFrame, location)) {
      return {
        ok: false,
        error: { code: 'UNAUTHORIZED', message: 'Refused: untrusted sender.', hint: '' },
      }
    }
    return services.dispatcher.invoke(method, input, { host: 'electron' })
  })

  ipcMain.on(SUBSCRIBE_CHANNEL, (event, topic: unknown) => {
    if (!isTrustedSender(event.senderFrame, location) || typeof topic !== 'string') return
    const contents = event.sender
    let mine = subscriptions.get(contents)
    if (!mine) {
      subscriptions.set(contents, (mine = new Map()))
      contents.once('destroyed', () => {
        for (const off of mine!.values()) off()
        subscriptions.delete(contents)
      })
    }
    if (mine.has(topic)) return
    try {
      mine.set(
        topic,
        services.bus.subscribe(topic, (payload) => {
          if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, topic, payload)
        }),
      )
    } catch {
      // Unknown topic: nothing to follow.
    }
  })

  ipcMain.on(UNSUBSCRIBE_CHANNEL, (event, topic: unknown) => {
    const mine = subscriptions.get(event.sender)
    if (typeof topic !== 'string' || !mine) return
    mine.get(topic)?.()
    mine.delete(topic)
  })
}
