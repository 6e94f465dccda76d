/**
 * The desired-state engine. `reconcile` walks a recipe's objects in order, finds each one the way
 * a person would (identity, exact filters), compares the fields the recipe manages and — unless it
 * is a dry run — creates, updates or deletes to close the gap. A plan is the same walk without
 * writes, so what the admin reads is exactly what apply will do against the server as it is then.
 * Apply re-finds every object before writing, which is what makes a half-finished apply safe to
 * run again: what was created is found by identity and not created twice.
 */
import type { PlanChange, PlanStep } from '../../shared/contract/recipes'
import { GatehouseError } from '../../shared/errors'
import type { AuthentikRest, JsonObject, JsonValue, Query } from '../authentik/rest'
import {
  isFieldSpec,
  isRef,
  type DesiredObject,
  type FieldSpec,
  type FieldValue,
  type Value,
} from './desired'
import { display, sameValue } from './values'

export interface ReconcileWarning {
  code: string
  message: string
  hint?: string
}

export interface ReconcileOptions {
  dryRun: boolean
  /** Called around every write (apply) so the UI can show progress. */
  onStep?: (event: {
    step: PlanStep
    index: number
    total: number
    status: 'running' | 'done'
  }) => void
}

export interface ReconcileResult {
  steps: PlanStep[]
  warnings: ReconcileWarning[]
  /** What each key resolved to (pk and the object as last read or written). */
  objects: Map<string, JsonObject | null>
}

/** A planned object's stand-in pk during a dry run: nothing on the server can match it. */
const PLANNED = Symbol('planned')
type Changes = Map<string, [JsonValue | undefined, JsonValue | typeof PLANNED]>
type Resolved =
  | { state: 'found'; pk: JsonValue; object: JsonObject }
  | { state: 'planned' }
  | { state: 'missing' }

export async function reconcile(
  rest: AuthentikRest,
  desired: readonly DesiredObject[],
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const resolved = new Map<string, Resolved>()
  const names = new Map<string, string>()
  const warnings: ReconcileWarning[] = []
  const steps: PlanStep[] = []
  const objects = new Map<string, JsonObject | null>()
  const byKey = new Map(desired.map((d) => [d.key, d]))
  const seen = new Set<string>()
  for (const d of desired) {
    if (seen.has(d.key)) throw new Error(`Gatehouse bug: two desired objects with key ${d.key}`)
    seen.add(d.key)
  }

  const nameOf = (pk: string): string | undefined => names.get(pk)
  const titleOf = (d: DesiredObject): string =>
    d.title ??
    `${d.kind.label} ${Object.values(d.identity)
      .map((v) => (isRef(v) ? (byKey.get(v.$ref)?.title ?? v.$ref) : String(v)))
      .join(' / ')}`

  const remember = (d: DesiredObject, object: JsonObject) => {
    const pk = object.pk
    if (pk !== undefined && pk !== null) names.set(String(pk), titleOf(d))
    resolved.set(d.key, { state: 'found', pk: pk ?? null, object })
    objects.set(d.key, object)
  }

  /** A value with refs replaced by pks; undefined when a ref cannot be resolved (yet). */
  function resolveValue(value: Value, where: string): JsonValue | undefined | typeof PLANNED {
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

  /** Resolves a list's items, dropping refs to optional objects that do not exist (with a warning). */
  function resolveItems(values: readonly Value[], d: DesiredObject, field: string, warn = true) {
    const out: (JsonValue | typeof PLANNED)[] = []
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
  }

  async function find(d: DesiredObject): Promise<JsonObject | null | typeof PLANNED> {
    if (d.kind.singleton)
      return rest.get<JsonObject>(d.kind.path, undefined, `read ${d.kind.label}`)
    const query: Query = {}
    for (const [param, value] of Object.entries(d.query ?? d.identity)) {
      const r = resolveValue(value, `${d.key}.query.${param}`)
      if (r === PLANNED) return PLANNED
      if (r === undefined) return null
      query[param] = Array.isArray(r)
        ? (r as (string | number)[])
        : (r as string | number | boolean)
    }
    const identity: Record<string, JsonValue> = {}
    for (const [field, value] of Object.entries(d.identity)) {
      const r = resolveValue(value, `${d.key}.identity.${field}`)
      if (r === PLANNED) return PLANNED
      if (r === undefined) return null
      identity[field] = r
    }
    const found = (await rest.list<JsonObject>(d.kind.path, query, `find ${titleOf(d)}`)).filter(
      (item) => Object.entries(identity).every(([field, value]) => sameValue(item[field], value)),
    )
    if (found.length > 1) {
      throw new GatehouseError({
        code: 'RECONCILE_AMBIGUOUS',
        message: `Authentik has ${found.length} objects that are each "${titleOf(d)}" (${found
          .map((o) => `pk ${String(o.pk)}${o.name ? ` "${String(o.name)}"` : ''}`)
          .join(', ')}); Gatehouse will not guess which one is meant.`,
        hint: `Delete or rename the duplicates in Authentik's admin UI (${d.kind.label}s), then plan again.`,
        details: { kind: d.kind.id, pks: found.map((o) => String(o.pk)) },
      })
    }
    return found[0] ?? null
  }

  /**
   * Field → [current, wanted] for every managed field that differs. In a dry run `wanted` may be
   * PLANNED: the field will point at an object this apply creates first.
   */
  function diff(d: DesiredObject, current: JsonObject | null): Changes {
    const out: Changes = new Map()
    const fields: Record<string, FieldValue> = { ...(current ? {} : d.identity), ...d.fields }
    for (const [field, spec] of Object.entries(fields)) {
      const before = current ? current[field] : undefined
      const wanted = wantedValue(d, field, spec, before)
      if (wanted === undefined) continue
      if (wanted !== PLANNED && current && sameValue(before, wanted)) continue
      out.set(field, [before, wanted])
    }
    return out
  }

  function wantedValue(
    d: DesiredObject,
    field: string,
    spec: FieldValue,
    before: JsonValue | undefined,
  ): JsonValue | undefined | typeof PLANNED {
    if (!isFieldSpec(spec)) {
      const r = resolveValue(spec, `${d.key}.${field}`)
      if (r === undefined) {
        warnings.push({
          code: 'OPTIONAL_MISSING',
          message: `${titleOf(d)}: ${field} refers to an object that does not exist; left as it is.`,
        })
      }
      return r
    }
    return mergeSpec(d, field, spec, before)
  }

  function mergeSpec(
    d: DesiredObject,
    field: string,
    spec: FieldSpec,
    before: JsonValue | undefined,
  ): JsonValue | undefined | typeof PLANNED {
    switch (spec.op) {
      case 'set':
        return resolveValue(spec.value, `${d.key}.${field}`)
      case 'owned': {
        const add = resolveItems(spec.add, d, field)
        const remove = resolveItems(spec.remove, d, field, false)
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
        const value = resolveValue(spec.value as Value, `${d.key}.${field}`)
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

  const describeChanges = (
    d: DesiredObject,
    changes: Changes,
    action: PlanStep['action'],
  ): PlanChange[] => {
    const fields: Record<string, FieldValue> = { ...d.identity, ...d.fields }
    return [...changes].map(([field, [before, after]]) => {
      const shownBefore = action === 'create' ? null : display(before, nameOf)
      if (after !== PLANNED) return { field, before: shownBefore, after: display(after, nameOf) }
      const spec = fields[field]
      const added = spec === undefined ? null : describeWanted(spec)
      const appended =
        isFieldSpec(spec) && spec.op === 'owned' && shownBefore && shownBefore !== '(none)'
      return {
        field,
        before: shownBefore,
        after: appended ? `${shownBefore}, ${added ?? ''}` : added,
      }
    })
  }

  /** The request body of a write; only reached with everything resolved (apply order). */
  const bodyOf = (changes: Changes): JsonObject => {
    const body: JsonObject = {}
    for (const [field, [, after]] of changes) {
      if (after === PLANNED)
        throw new Error(`Gatehouse bug: ${field} still points at a planned object`)
      body[field] = after
    }
    return body
  }

  const detailPath = (d: DesiredObject, object: JsonObject) =>
    d.kind.singleton
      ? d.kind.path
      : `${d.kind.path}${encodeURIComponent(String(object[d.kind.detailKey]))}/`

  const total = desired.length
  for (const [index, d] of desired.entries()) {
    const current = await find(d)
    const title = titleOf(d)
    if (current && current !== PLANNED) remember(d, current)

    let step: PlanStep
    if (d.ensure === 'optional' || (d.ensure === 'existing' && !d.fields)) {
      if (current === null) {
        resolved.set(d.key, { state: 'missing' })
        objects.set(d.key, null)
        if (d.ensure === 'existing') throw missingDefault(d, title)
      }
      continue
    }
    if (d.ensure === 'absent') {
      if (current === null || current === PLANNED) {
        resolved.set(d.key, { state: 'missing' })
        continue
      }
      step = { key: d.key, kind: d.kind.id, title, action: 'delete', changes: [] }
      steps.push(step)
      if (!options.dryRun) {
        options.onStep?.({ step, index, total, status: 'running' })
        await rest.delete(detailPath(d, current), `delete ${title}`)
        options.onStep?.({ step, index, total, status: 'done' })
      }
      resolved.set(d.key, { state: 'missing' })
      objects.set(d.key, null)
      continue
    }
    if (current === null && d.ensure === 'existing') throw missingDefault(d, title)

    if (current === null || current === PLANNED) {
      // Create. In a dry run anything that depends on a planned object is itself planned.
      const changes = current === PLANNED ? null : diff(d, null)
      const shown = changes === null ? plannedChanges(d) : describeChanges(d, changes, 'create')
      step = { key: d.key, kind: d.kind.id, title, action: 'create', changes: shown }
      steps.push(step)
      if (options.dryRun || changes === null) {
        if (!options.dryRun)
          throw new Error(`Gatehouse bug: ${d.key} depends on an object not created`)
        resolved.set(d.key, { state: 'planned' })
        continue
      }
      const body = bodyOf(changes)
      for (const [field, value] of Object.entries(d.createOnly ?? {})) {
        const r = resolveValue(value, `${d.key}.createOnly.${field}`)
        if (r !== undefined && r !== PLANNED) body[field] = r
      }
      options.onStep?.({ step, index, total, status: 'running' })
      const created = await rest.post<JsonObject>(d.kind.path, body, `create ${title}`)
      remember(d, created)
      options.onStep?.({ step, index, total, status: 'done' })
      continue
    }

    const changes = diff(d, current)
    if (changes.size === 0) {
      steps.push({ key: d.key, kind: d.kind.id, title, action: 'unchanged', changes: [] })
      continue
    }
    step = {
      key: d.key,
      kind: d.kind.id,
      title,
      action: 'update',
      changes: describeChanges(d, changes, 'update'),
    }
    steps.push(step)
    if (options.dryRun) continue
    const body = bodyOf(changes)
    options.onStep?.({ step, index, total, status: 'running' })
    const updated = await rest.patch<JsonObject>(detailPath(d, current), body, `update ${title}`)
    remember(d, updated)
    options.onStep?.({ step, index, total, status: 'done' })
  }
  return { steps, warnings: dedupe(warnings), objects }

  function plannedChanges(d: DesiredObject): PlanChange[] {
    const fields: Record<string, FieldValue> = { ...d.identity, ...d.fields }
    return Object.entries(fields).map(([field, spec]) => ({
      field,
      before: null,
      after: describeWanted(spec),
    }))
  }

  function describeWanted(spec: FieldValue): string | null {
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
  }
}

function missingDefault(d: DesiredObject, title: string): GatehouseError {
  return new GatehouseError({
    code: 'RECONCILE_MISSING_DEFAULT',
    message: `Authentik has no ${title}. A fresh install has it, so it was probably renamed or deleted.`,
    hint:
      d.missingHint ??
      `Restore it (rename it back, or re-apply Authentik's default blueprints under System → Blueprints), then plan again.`,
    details: { kind: d.kind.id, identity: JSON.stringify(d.identity) },
  })
}

function dedupe(warnings: ReconcileWarning[]): ReconcileWarning[] {
  const seen = new Set<string>()
  return warnings.filter((w) => {
    if (seen.has(w.message)) return false
    seen.add(w.message)
    return true
  })
}
