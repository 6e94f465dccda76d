import type { DockerStatus } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { EventBus } from '../core/event-bus'
import type { DockerEngine } from './engine'

/**
 * Pings the engine while at least one window, socket or CLI follows `docker.status`, so the status
 * strip notices Docker going away without every renderer polling on its own.
 */
export function startDockerStatusMonitor(
  currentEngine: () => Promise<DockerEngine>,
  bus: EventBus,
  intervalMs = 5000,
): () => void {
  let timer: NodeJS.Timeout | undefined
  let running = false

  const check = async () => {
    if (running) return
    running = true
    const checkedAt = new Date().toISOString()
    let status: DockerStatus
    const engine = await currentEngine()
    try {
      status = { state: 'up', engine: await engine.ping(), checkedAt }
    } catch (error) {
      const e =
        error instanceof GatehouseError
          ? error
          : new GatehouseError({ code: 'INTERNAL', message: String(error), hint: '' })
      status = {
        state: 'down',
        endpoint: engine.endpoint.display,
        message: e.message,
        hint: e.hint,
        checkedAt,
      }
    } finally {
      running = false
    }
    if (bus.listenerCount('docker.status') > 0) bus.emit('docker.status', status)
  }

  const stopTimer = () => {
    if (timer) clearInterval(timer)
    timer = undefined
  }
  const off = bus.onActive('docker.status', (active) => {
    stopTimer()
    if (active) {
      void check()
      timer = setInterval(() => void check(), intervalMs)
      timer.unref()
    }
  })
  return () => {
    off()
    stopTimer()
  }
}
