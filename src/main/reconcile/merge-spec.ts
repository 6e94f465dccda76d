/**
 * The value a managed field should have, given what the server holds now: a plain value (refs
 * resolved), an `owned()` list (the recipe's items added and removed, the admin's kept), a
 * `keys()` object merge, or `lines()` in a newline list.
 */
import type { JsonObject, JsonValue } from '../authentik/rest'
import type { DesiredObject, FieldSpec, Value } from './desired'
import { PLANNED, type Planned, type Resolution } from './resolution'
import { sameValue } from './values'

export function mergeSpec(
  resolution: Pick<Resolution, 'resolveValue' | 'resolveItems'>,
  d: DesiredObject,
  field: string,
  spec: FieldSpec,
  before: JsonValue | undefined,
): JsonValue | undefined | Planned {
  switch (spec.op) {
    case 'set':
      return resolution.resolveValue(spec.value, `${d.key}.${field}`)
    case 'owned': {
      const add = resolution.resolveItems(spec.add, d, field)
      const remove = resolution.resolveItems(spec.remove, d, field, false)
      if (add.includes(PLANNED)) return PLANNED
      const current = Array.isArray(before) ? before : []
      const kept = current.filter(
        (item) => !remove.some((r) => r !== PLANNED && sameValue(r, item)),
      )
      for (const item of add as JsonValue[])
        if (!kept.some((k) => sameValue(k, item))) kept.push(item)
      return kept
    }
    case 'keys': {
      const value = resolution.resolveValue(spec.value as Value, `${d.key}.${field}`)
      if (value === PLANNED || value === undefined) return value
      const current = before && typeof before === 'object' && !Array.isArray(before) ? before : {}
      return { ...current, ...(value as JsonObject) }
    }
    case 'lines': {
      const current =
        typeof before === 'string'
          ? before
              .split('\n')
              .map((l) => l.trim())
              .filter(Boolean)
          : []
      const kept = current.filter((l) => !spec.remove.includes(l))
      for (const l of spec.add) if (!kept.includes(l)) kept.push(l)
      return kept.join('\n')
    }
  }
}
