/**
 * The gap between a desired object and the server's copy: which managed fields differ (diff), how
 * the plan shows them (describe), and the body of the write that closes the gap.
 */
import type { PlanChange, PlanStep } from '../../shared/contract/recipes'
import type { JsonObject, JsonValue } from '../authentik/rest'
import { isFieldSpec, type DesiredObject, type FieldValue } from './desired'
import { mergeSpec } from './merge-spec'
import { PLANNED, type Changes, type Planned, type Resolution } from './resolution'
import { display, sameValue } from './values'

/**
 * Field → [current, wanted] for every managed field that differs. In a dry run `wanted` may be
 * PLANNED: the field will point at an object this apply creates first.
 */
export function diff(
  resolution: Resolution,
  d: DesiredObject,
  current: JsonObject | null,
): Changes {
  const out: Changes = new Map()
  const fields: Record<string, FieldValue> = { ...(current ? {} : d.identity), ...d.fields }
  for (const [field, spec] of Object.entries(fields)) {
    const before = current ? current[field] : undefined
    const wanted = wantedValue(resolution, d, field, spec, before)
    if (wanted === undefined) continue
    if (wanted !== PLANNED && current && sameValue(before, wanted)) continue
    out.set(field, [before, wanted])
  }
  return out
}

function wantedValue(
  resolution: Resolution,
  d: DesiredObject,
  field: string,
  spec: FieldValue,
  before: JsonValue | undefined,
): JsonValue | undefined | Planned {
  if (!isFieldSpec(spec)) {
    const r = resolution.resolveValue(spec, `${d.key}.${field}`)
    if (r === undefined) {
      resolution.warnings.push({
        code: 'OPTIONAL_MISSING',
        message: `${resolution.titleOf(d)}: ${field} refers to an object that does not exist; left as it is.`,
      })
    }
    return r
  }
  return mergeSpec(resolution, d, field, spec, before)
}

/** The plan's lines for the changes of one step. */
export function describeChanges(
  resolution: Resolution,
  d: DesiredObject,
  changes: Changes,
  action: PlanStep['action'],
): PlanChange[] {
  const fields: Record<string, FieldValue> = { ...d.identity, ...d.fields }
  return [...changes].flatMap(([field, [before, after]]): PlanChange[] => {
    const shownBefore = action === 'create' ? null : display(before, resolution.nameOf)
    if (after !== PLANNED) {
      // An object (an outpost's config) is shown key by key, only the keys that change (#14).
      if (isObject(after) && (action === 'create' || isObject(before)))
        return nestedChanges(
          field,
          action === 'create' ? {} : (before as JsonObject),
          after,
          resolution,
        )
      return [line(field, action === 'create' ? undefined : before, after, resolution)]
    }
    const spec = fields[field]
    const added = spec === undefined ? null : resolution.describeWanted(spec)
    const appended =
      isFieldSpec(spec) && spec.op === 'owned' && shownBefore && shownBefore !== '(none)'
    return [
      {
        field,
        before: shownBefore,
        after: appended ? `${shownBefore}, ${added ?? ''}` : added,
      },
    ]
  })
}

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** `config.authentik_host: "" → "https://auth.example.com"`: one line per changed key. */
function nestedChanges(
  prefix: string,
  before: JsonObject,
  after: JsonObject,
  resolution: Resolution,
  depth = 0,
): PlanChange[] {
  const out: PlanChange[] = []
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const b = before[key]
    const a = after[key]
    if (a === undefined || sameValue(b, a)) continue
    const field = `${prefix}.${key}`
    if (depth < 3 && isObject(a) && (b === undefined || isObject(b)))
      out.push(
        ...nestedChanges(field, (b as JsonObject | undefined) ?? {}, a, resolution, depth + 1),
      )
    else out.push(line(field, b, a, resolution))
  }
  return out
}

/** One plan line; the pks shown by name are kept for the hover text. */
function line(
  field: string,
  before: JsonValue | undefined,
  after: JsonValue,
  resolution: Resolution,
): PlanChange {
  const refs = [...referencedPks(before, resolution), ...referencedPks(after, resolution)]
  return {
    field,
    before: before === undefined ? null : display(before, resolution.nameOf),
    after: display(after, resolution.nameOf),
    ...(refs.length ? { refs: [...new Set(refs)].join(', ') } : {}),
  }
}

/** "default-authentication-flow = 6e1f…": what a name stands for, for the admin who asks. */
function referencedPks(value: JsonValue | undefined, resolution: Resolution): string[] {
  if (typeof value === 'string' || typeof value === 'number') {
    const name = resolution.nameOf(String(value))
    return name ? [`${name} = ${String(value)}`] : []
  }
  if (Array.isArray(value)) return value.flatMap((v) => referencedPks(v, resolution))
  return []
}

/** A create whose object depends on one a dry run only plans: every field as it will be. */
export function plannedChanges(resolution: Resolution, d: DesiredObject): PlanChange[] {
  const fields: Record<string, FieldValue> = { ...d.identity, ...d.fields }
  return Object.entries(fields).map(([field, spec]) => ({
    field,
    before: null,
    after: resolution.describeWanted(spec),
  }))
}

/** The request body of a write; only reached with everything resolved (apply order). */
export function bodyOf(changes: Changes): JsonObject {
  const body: JsonObject = {}
  for (const [field, [, after]] of changes) {
    if (after === PLANNED)
      throw new Error(`Gatehouse bug: ${field} still points at a planned object`)
    body[field] = after
  }
  return body
}
