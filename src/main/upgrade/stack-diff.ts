import type { Mount, ServiceSpec, StackSpec } from '../docker/model'

/**
 * What changes in the stack between two releases, in words, computed by comparing the catalogue's
 * StackSpec of each (never from a hand-kept list, so a new milestone in the catalogue shows up in
 * the plan by itself). Environment values may be secrets: only variable names are compared and
 * shown, never a value.
 */

export type StackChange =
  | { readonly kind: 'service-added'; readonly service: string; readonly text: string }
  | { readonly kind: 'service-dropped'; readonly service: string; readonly text: string }
  | { readonly kind: 'mount-moved'; readonly service: string; readonly text: string }
  | { readonly kind: 'env-changed'; readonly service: string; readonly text: string }
  | { readonly kind: 'shm-size'; readonly service: string; readonly text: string }
  | { readonly kind: 'volume-dropped'; readonly service: string; readonly text: string }

const mountText = (m: Mount) => `${m.source}:${m.target}`

function diffMounts(service: string, before: ServiceSpec, after: ServiceSpec): StackChange[] {
  const key = (m: Mount) => `${m.type} ${m.source} ${m.target}`
  const afterKeys = new Set(after.mounts.map(key))
  const beforeKeys = new Set(before.mounts.map(key))
  const gone = before.mounts.filter((m) => !afterKeys.has(key(m)))
  const added = after.mounts.filter((m) => !beforeKeys.has(key(m)))
  const changes: StackChange[] = []
  // Pair each removed mount with an added one of the same type, in order: that is a move.
  for (const [i, old] of gone.entries()) {
    const next = added[i]
    changes.push({
      kind: 'mount-moved',
      service,
      text: next
        ? `${service}: mount ${mountText(old)} becomes ${mountText(next)}`
        : `${service}: mount ${mountText(old)} is removed`,
    })
  }
  for (const extra of added.slice(gone.length))
    changes.push({
      kind: 'mount-moved',
      service,
      text: `${service}: new mount ${mountText(extra)}`,
    })
  return changes
}

function diffEnv(service: string, before: ServiceSpec, after: ServiceSpec): StackChange[] {
  const beforeNames = Object.keys(before.environment)
  const afterNames = Object.keys(after.environment)
  const removed = beforeNames.filter((n) => !afterNames.includes(n)).sort()
  const added = afterNames.filter((n) => !beforeNames.includes(n)).sort()
  if (removed.length === 0 && added.length === 0) return []
  const parts = [
    ...(removed.length ? [`drops ${removed.join(', ')}`] : []),
    ...(added.length ? [`adds ${added.join(', ')}`] : []),
  ]
  return [{ kind: 'env-changed', service, text: `${service}: environment ${parts.join('; ')}` }]
}

function diffShm(service: string, before: ServiceSpec, after: ServiceSpec): StackChange[] {
  if (before.shmSizeBytes === after.shmSizeBytes) return []
  const mb = (b: number | undefined) => (b === undefined ? 'default' : `${b / 1024 / 1024} MB`)
  return [
    {
      kind: 'shm-size',
      service,
      text: `${service}: shm_size ${mb(before.shmSizeBytes)} → ${mb(after.shmSizeBytes)}`,
    },
  ]
}

/** Changes from `before` to `after`, services in `after`'s order, then the dropped ones. */
export function diffStacks(before: StackSpec, after: StackSpec): StackChange[] {
  const changes: StackChange[] = []
  const old = new Map(before.services.map((s) => [s.name, s]))
  const next = new Map(after.services.map((s) => [s.name, s]))
  for (const service of after.services) {
    const prior = old.get(service.name)
    if (!prior) {
      changes.push({
        kind: 'service-added',
        service: service.name,
        text: `${service.name} is added`,
      })
      continue
    }
    changes.push(
      ...diffMounts(service.name, prior, service),
      ...diffEnv(service.name, prior, service),
      ...diffShm(service.name, prior, service),
    )
  }
  for (const service of before.services)
    if (!next.has(service.name))
      changes.push({
        kind: 'service-dropped',
        service: service.name,
        text: `${service.name} is removed from the stack`,
      })
  for (const volume of before.volumes)
    if (!after.volumes.includes(volume))
      changes.push({
        kind: 'volume-dropped',
        service: volume,
        text: `the volume ${volume} is no longer used (kept on disk; remove it by hand when sure)`,
      })
  return changes
}
