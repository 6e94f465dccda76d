/** Comparing and showing field values the way a plan needs them. */
import type { JsonValue } from '../authentik/rest'

const isScalar = (v: unknown): v is string | number | boolean | null =>
  v === null || ['string', 'number', 'boolean'].includes(typeof v)

/**
 * Deep equality of JSON values. Arrays of scalars compare as sets, because the lists Authentik
 * stores for the fields recipes touch (stages, policies, device classes, pks) have no order.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.every(isScalar) && b.every(isScalar)) {
      const left = new Set(a.map((x) => JSON.stringify(x)))
      const right = new Set(b.map((x) => JSON.stringify(x)))
      return left.size === right.size && [...left].every((x) => right.has(x))
    }
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]))
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    if (Array.isArray(a) || Array.isArray(b)) return false
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return (
      ka.length === kb.length &&
      ka.every((k) =>
        sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    )
  }
  return false
}

/** A one-line rendering for the plan, with pks replaced by the names of what they point at. */
export function display(
  value: JsonValue | undefined,
  nameOf: (pk: string) => string | undefined,
): string | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'string') {
    const named = nameOf(value)
    return named ?? value
  }
  if (typeof value === 'number') return nameOf(String(value)) ?? String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)'
    // A list of objects (redirect URIs) reads item by item, one per line.
    if (value.some((item) => typeof item === 'object' && item !== null))
      return value.map((item) => display(item, nameOf) ?? 'null').join('\n')
    return value.map((item) => display(item, nameOf) ?? 'null').join(', ')
  }
  // An object as `key: value` pairs (a redirect URI: `url: https://… · matching_mode: strict`).
  return Object.entries(value)
    .map(([k, v]) => `${k}: ${display(v, nameOf) ?? 'null'}`)
    .join(' · ')
}
