/**
 * The desired-state engine. `reconcile` walks a recipe's objects in order, finds each one the way
 * a person would (identity, exact filters), compares the fields the recipe manages and — unless it
 * is a dry run — creates, updates or deletes to close the gap. A plan is the same walk without
 * writes, so what the admin reads is exactly what apply will do against the server as it is then.
 * Apply re-finds every object before writing, which is what makes a half-finished apply safe to
 * run again: what was created is found by identity and not created twice.
 *
 * The parts: resolution.ts (what the walk knows: states, pks, names, warnings), find.ts (finding
 * by identity), changes.ts (diff, plan lines, write body), merge-spec.ts (owned/keys/lines).
 */
import type { PlanStep } from '../../shared/contract/recipes'
import { GatehouseError } from '../../shared/errors'
import type { AuthentikRest, JsonObject } from '../authentik/rest'
import { bodyOf, describeChanges, diff, plannedChanges } from './changes'
import type { DesiredObject } from './desired'
import { detailPath, findObject } from './find'
import {
  createResolution,
  PLANNED,
  type Planned,
  type ReconcileWarning,
  type Resolution,
} from './resolution'

export type { ReconcileWarning } from './resolution'

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

/** One desired object's turn in the walk. */
interface Turn {
  rest: AuthentikRest
  resolution: Resolution
  options: ReconcileOptions
  d: DesiredObject
  title: string
  current: JsonObject | null | Planned
  /** Wraps a write with the running/done progress events of its step. */
  write<T>(step: PlanStep, work: () => Promise<T>): Promise<T>
}

export async function reconcile(
  rest: AuthentikRest,
  desired: readonly DesiredObject[],
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const seen = new Set<string>()
  for (const d of desired) {
    if (seen.has(d.key)) throw new Error(`Gatehouse bug: two desired objects with key ${d.key}`)
    seen.add(d.key)
  }
  const resolution = createResolution(desired)
  const steps: PlanStep[] = []
  const total = desired.length

  for (const [index, d] of desired.entries()) {
    const current = await findObject(rest, resolution, d)
    if (current && current !== PLANNED) resolution.remember(d, current)
    const turn: Turn = {
      rest,
      resolution,
      options,
      d,
      title: resolution.titleOf(d),
      current,
      async write(step, work) {
        options.onStep?.({ step, index, total, status: 'running' })
        const result = await work()
        options.onStep?.({ step, index, total, status: 'done' })
        return result
      },
    }
    const step = await reconcileOne(turn)
    if (step) steps.push(step)
  }
  return { steps, warnings: dedupe(resolution.warnings), objects: resolution.objects }
}

/** The step one object contributes to the plan (none for objects only referenced). */
async function reconcileOne(turn: Turn): Promise<PlanStep | null> {
  const { d, current, resolution, title } = turn
  if (d.ensure === 'optional' || (d.ensure === 'existing' && !d.fields)) {
    if (current === null) {
      resolution.mark(d.key, 'missing')
      resolution.objects.set(d.key, null)
      if (d.ensure === 'existing') throw missingDefault(d, title)
    }
    return null
  }
  if (d.ensure === 'absent') return removeObject(turn)
  if (current === null && d.ensure === 'existing') throw missingDefault(d, title)
  if (current === null || current === PLANNED) return createObject(turn)
  return updateObject(turn, current)
}

async function removeObject(turn: Turn): Promise<PlanStep | null> {
  const { d, current, resolution, title } = turn
  if (current === null || current === PLANNED) {
    resolution.mark(d.key, 'missing')
    return null
  }
  const step: PlanStep = { key: d.key, kind: d.kind.id, title, action: 'delete', changes: [] }
  if (!turn.options.dryRun)
    await turn.write(step, () => turn.rest.delete(detailPath(d, current), `delete ${title}`))
  resolution.mark(d.key, 'missing')
  resolution.objects.set(d.key, null)
  return step
}

/** Create. In a dry run anything that depends on a planned object is itself planned. */
async function createObject(turn: Turn): Promise<PlanStep> {
  const { d, current, resolution, title, options } = turn
  const changes = current === PLANNED ? null : diff(resolution, d, null)
  const shown =
    changes === null
      ? plannedChanges(resolution, d)
      : describeChanges(resolution, d, changes, 'create')
  const step: PlanStep = { key: d.key, kind: d.kind.id, title, action: 'create', changes: shown }
  if (options.dryRun || changes === null) {
    if (!options.dryRun) throw new Error(`Gatehouse bug: ${d.key} depends on an object not created`)
    resolution.mark(d.key, 'planned')
    return step
  }
  const body = bodyOf(changes)
  for (const [field, value] of Object.entries(d.createOnly ?? {})) {
    const r = resolution.resolveValue(value, `${d.key}.createOnly.${field}`)
    if (r !== undefined && r !== PLANNED) body[field] = r
  }
  await turn.write(step, async () => {
    resolution.remember(d, await turn.rest.post<JsonObject>(d.kind.path, body, `create ${title}`))
  })
  return step
}

async function updateObject(turn: Turn, current: JsonObject): Promise<PlanStep> {
  const { d, resolution, title } = turn
  const changes = diff(resolution, d, current)
  if (changes.size === 0)
    return { key: d.key, kind: d.kind.id, title, action: 'unchanged', changes: [] }
  const step: PlanStep = {
    key: d.key,
    kind: d.kind.id,
    title,
    action: 'update',
    changes: describeChanges(resolution, d, changes, 'update'),
  }
  if (turn.options.dryRun) return step
  const body = bodyOf(changes)
  await turn.write(step, async () => {
    const updated = await turn.rest.patch<JsonObject>(
      detailPath(d, current),
      body,
      `update ${title}`,
    )
    resolution.remember(d, updated)
  })
  return step
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
