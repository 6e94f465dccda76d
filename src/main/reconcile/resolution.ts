/**
 * What a reconcile walk knows so far: each desired object's state (found with its pk, planned
 * by this dry run, or missing), the names of the pks it met (for readable plans) and the warnings
 * raised on the way. Refs between desired objects are resolved here.
 */
import type { JsonObject, JsonValue } from '../authentik/rest'
import { isFieldSpec, isRef, type DesiredObject, type FieldValue, type Value } from './desired'

export interface ReconcileWarning {
  code: string
  message: string
  hint?: string
}

/** A planned object's stand-in pk during a dry run: nothing on the server can match it. */
export const PLANNED = Symbol('planned')
export type Planned = typeof PLANNED

/** Field → [current, wanted]; wanted is PLANNED when it points at an object a dry run creates. */
export type Changes = Map<string, [JsonValue | undefined, JsonValue | Planned]>

export type Resolved =
  | { state: 'found'; pk: JsonValue; object: JsonObject }
  | { state: 'planned' }
  | { state: 'missing' }

export interface Resolution {
  readonly warnings: ReconcileWarning[]
  /** What each key resolved to (the object as last read or written, null when absent). */
  readonly objects: Map<string, JsonObject | null>
  titleOf(d: DesiredObject): string
  nameOf(pk: string): string | undefined
  /** The object as found or written: its pk is what refs to `d` resolve to. */
  remember(d: DesiredObject, object: JsonObject): void
  mark(key: string, state: 'planned' | 'missing'): void
  /** A value with refs replaced by pks; undefined when a ref cannot be resolved (yet). */
  resolveValue(value: Value, where: string): JsonValue | undefined | Planned
  /** A list's items resolved, dropping refs to optional objects that do not exist (warned). */
  resolveItems(
    values: readonly Value[],
    d: DesiredObject,
    field: string,
    warn?: boolean,
  ): (JsonValue | Planned)[]
  /** How a wanted value reads in a plan before its refs exist. */
  describeWanted(spec: FieldValue): string | null
}

export function createResolution(desired: readonly DesiredObject[]): Resolution {
  const resolved = new Map<string, Resolved>()
  const names = new Map<string, string>()
  const warnings: ReconcileWarning[] = []
  const objects = new Map<string, JsonObject | null>()
  const byKey = new Map(desired.map((d) => [d.key, d]))

  const nameOf = (pk: string): string | undefined => names.get(pk)
  const titleOf = (d: DesiredObject): string =>
    d.title ??
    `${d.kind.label} ${Object.values(d.identity)
      .map((v) => (isRef(v) ? (byKey.get(v.$ref)?.title ?? v.$ref) : String(v)))
      .join(' / ')}`

  function resolveValue(value: Value, where: string): JsonValue | undefined | Planned {
    if (isRef(value)) {
      const target = resolved.get(value.$ref)
      if (!target)
        throw new Error(`Gatehouse bug: ${where} refers to ${value.$ref} before it is read`)
      if (target.state === 'found') return target.pk
      if (target.state === 'planned') return PLANNED
      return undefined
    }
    if (Array.isArray(value)) {
      const out: JsonValue[] = []
      for (const item of value) {
        const r = resolveValue(item, where)
        if (r === PLANNED) return PLANNED
        if (r === undefined) return undefined
        out.push(r)
      }
      return out
    }
    if (typeof value === 'object' && value !== null) {
      const out: JsonObject = {}
      for (const [k, v] of Object.entries(value)) {
        const r = resolveValue(v as Value, where)
        if (r === PLANNED) return PLANNED
        if (r === undefined) return undefined
        out[k] = r
      }
      return out
    }
    return value
  }

  return {
    warnings,
    objects,
    titleOf,
    nameOf,
    remember(d, object) {
      const pk = object.pk
      if (pk !== undefined && pk !== null) names.set(String(pk), titleOf(d))
      resolved.set(d.key, { state: 'found', pk: pk ?? null, object })
      objects.set(d.key, object)
    },
    mark(key, state) {
      resolved.set(key, { state })
    },
    resolveValue,
    resolveItems(values, d, field, warn = true) {
      const out: (JsonValue | Planned)[] = []
      for (const value of values) {
        const r = resolveValue(value, `${d.key}.${field}`)
        if (r === undefined) {
          if (!warn) continue
          const missing = isRef(value) ? byKey.get(value.$ref) : undefined
          warnings.push({
            code: 'OPTIONAL_MISSING',
            message: `${missing ? `The ${titleOf(missing)}` : 'An optional object'} does not exist, so the ${titleOf(d)} does not get it in ${field}.`,
            ...(missing?.missingHint ? { hint: missing.missingHint } : {}),
          })
          continue
        }
        out.push(r)
      }
      return out
    },
    describeWanted(spec) {
      const show = (v: Value): string =>
        isRef(v)
          ? (() => {
              const r = resolved.get(v.$ref)
              if (r?.state === 'found') return nameOf(String(r.pk)) ?? String(r.pk)
              const target = byKey.get(v.$ref)
              return target ? `(new) ${titleOf(target)}` : v.$ref
            })()
          : Array.isArray(v)
            ? v.map(show).join(', ')
            : typeof v === 'object' && v !== null
              ? JSON.stringify(v)
              : String(v)
      if (!isFieldSpec(spec)) return show(spec)
      switch (spec.op) {
        case 'set':
          return show(spec.value)
        case 'owned':
          return spec.add.map(show).join(', ')
        case 'keys':
          return JSON.stringify(spec.value)
        case 'lines':
          return spec.add.join(', ')
      }
    },
  }
}
