import type { LogLine } from '../../shared/contract'
import type { EventBus } from '../core/event-bus'
import { containerName } from '../docker/compose'
import * as lifecycle from '../docker/lifecycle'
import { followLogs, tailLogs, type LogFollower } from '../docker/logs'
import { requireService, type StackContext } from './stack-context'

/** The last `tail` lines of one service or of all, interleaved by time as `docker-compose logs`. */
export async function stackLogs(
  ctx: StackContext,
  service: string | undefined,
  tail: number,
): Promise<{ lines: LogLine[] }> {
  const names = service ? [requireService(ctx.spec, service)] : ctx.spec.services.map((s) => s.name)
  const lines: LogLine[] = []
  const existing = new Set(
    (await lifecycle.status(ctx.engine, ctx.spec)).filter((s) => s.exists).map((s) => s.service),
  )
  for (const name of names) {
    if (!existing.has(name)) continue
    for (const line of await tailLogs(ctx.engine, containerName(ctx.spec.project, name), {
      tail,
      timestamps: true,
    }))
      lines.push({ service: name, ...line })
  }
  lines.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''))
  return { lines }
}

/**
 * Follows every service onto `stack.logs`. A container's log stream ends when it stops (Stop,
 * Restart, a recreate), so each service re-attaches from where it left off until closed.
 */
export function followStackLogs(ctx: StackContext, bus: EventBus): () => Promise<void> {
  let active = true
  let wake: () => void = () => undefined
  const current = new Set<LogFollower>()
  const loops = ctx.spec.services.map(async (service) => {
    const container = containerName(ctx.spec.project, service.name)
    let since = Math.floor(Date.now() / 1000)
    while (active) {
      try {
        const follower = await followLogs(ctx.engine, container, {
          tail: 'all',
          since,
          timestamps: true,
          onLines: (lines) =>
            bus.emit('stack.logs', { lines: lines.map((l) => ({ service: service.name, ...l })) }),
        })
        current.add(follower)
        await follower.done
        current.delete(follower)
        // Resume one second later than the stream ended: the engine's `since` is in seconds.
        since = Math.floor(Date.now() / 1000)
      } catch {
        // No container yet (before the first Start) or the engine is away: try again shortly.
      }
      if (active) await new Promise<void>((r) => ((wake = r), setTimeout(r, 1000)))
    }
  })
  return async () => {
    active = false
    wake()
    await Promise.all([...current].map((f) => f.close()))
    await Promise.all(loops)
  }
}

/**
 * Log streams are opened when the first viewer subscribes to `stack.logs` and closed when the
 * last one leaves. Returns what closes everything (the stack service's dispose).
 */
export function followLogsWhileWatched(
  bus: EventBus,
  follow: () => Promise<() => Promise<void>>,
): () => Promise<void> {
  let chain: Promise<unknown> = Promise.resolve()
  let close: (() => Promise<void>) | null = null
  const off = bus.onActive('stack.logs', (active) => {
    chain = chain.then(async () => {
      if (active && !close) close = await follow().catch(() => null)
      else if (!active && close) {
        await close()
        close = null
      }
    })
  })
  return async () => {
    off()
    await chain
    await close?.()
    close = null
  }
}
