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
  return [...changes].map(([field, [before, after]]) => {
    const shownBefore = action === 'create' ? null : display(before, resolution.nameOf)
    if (after !== PLANNED)
      return { field, before: shownBefore, after: display(after, resolution.nameOf) }
    const spec = fields[field]
    const added = spec === undefined ? null : resolution.describeWanted(spec)
    const appended =
      isFieldSpec(spec) && spec.op === 'owned' && shownBefore && shownBefore !== '(none)'
    return {
      field,
      before: shownBefore,
      after: appended ? `${shownBefore}, ${added ?? ''}` : added,
    }
  })
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
