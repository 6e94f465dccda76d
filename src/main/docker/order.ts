import { GatehouseError } from '../../shared/errors'
import type { ServiceSpec, StackSpec } from './model'

/**
 * Dependency order of a stack (compose's `depends_on`), and the checks that make it safe to act
 * on: a spec that names an unknown service, loops, or mounts an undeclared volume is a catalogue
 * bug, reported before anything is created.
 */

function invalid(message: string, details: Record<string, unknown>): GatehouseError {
  return new GatehouseError({
    code: 'STACK_INVALID',
    message,
    hint: 'This is a bug in the stack definition (version catalogue); please report it.',
    details,
  })
}

export function validateStack(spec: StackSpec): void {
  const names = new Set<string>()
  for (const service of spec.services) {
    if (names.has(service.name))
      throw invalid(`The service ${service.name} is defined twice.`, { service: service.name })
    names.add(service.name)
  }
  for (const service of spec.services) {
    for (const dep of service.dependsOn) {
      if (!names.has(dep))
        throw invalid(`The service ${service.name} depends on ${dep}, which is not in the stack.`, {
          service: service.name,
          dependency: dep,
        })
    }
    for (const mount of service.mounts) {
      if (mount.type === 'volume' && !spec.volumes.includes(mount.source))
        throw invalid(
          `The service ${service.name} mounts the volume ${mount.source}, which the stack does not declare.`,
          { service: service.name, volume: mount.source },
        )
    }
  }
  dependencyLevels(spec)
}

/**
 * Level 0: no dependencies; level n: depends on something at level n-1. Services of one level can
 * start together; stopping goes from the highest level down.
 */
export function dependencyLevels(spec: StackSpec): Map<string, number> {
  const byName = new Map(spec.services.map((s) => [s.name, s]))
  const levels = new Map<string, number>()
  const visiting = new Set<string>()
  const visit = (service: ServiceSpec, path: string[]): number => {
    const known = levels.get(service.name)
    if (known !== undefined) return known
    if (visiting.has(service.name))
      throw invalid(
        `The services depend on each other in a loop: ${[...path, service.name].join(' → ')}.`,
        {
          cycle: [...path, service.name],
        },
      )
    visiting.add(service.name)
    let level = 0
    for (const dep of service.dependsOn) {
      const depSpec = byName.get(dep)
      if (depSpec) level = Math.max(level, visit(depSpec, [...path, service.name]) + 1)
    }
    visiting.delete(service.name)
    levels.set(service.name, level)
    return level
  }
  for (const service of spec.services) visit(service, [])
  return levels
}

/** Services sorted so that every service comes after what it depends on (ties by name). */
export function startOrder(spec: StackSpec): ServiceSpec[] {
  const levels = dependencyLevels(spec)
  return [...spec.services].sort(
    (a, b) => (levels.get(a.name) ?? 0) - (levels.get(b.name) ?? 0) || a.name.localeCompare(b.name),
  )
}

/** Groups for stopping: dependents first, so nothing loses a dependency while it still runs. */
export function stopWaves(spec: StackSpec): ServiceSpec[][] {
  const levels = dependencyLevels(spec)
  const max = Math.max(-1, ...levels.values())
  const waves: ServiceSpec[][] = []
  for (let level = max; level >= 0; level -= 1)
    waves.push(spec.services.filter((s) => levels.get(s.name) === level))
  return waves
}
