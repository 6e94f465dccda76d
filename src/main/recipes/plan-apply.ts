/**
 * The plan/apply mechanics the setup recipes (recipes-service.ts) and the app integrations
 * (src/main/integrations) share: parameters → field errors, and an apply that tracks every step's
 * status and turns a typed failure into data so the admin sees which write broke.
 */
import type { z } from 'zod'
import type { PlanStep } from '../../shared/contract/recipes'
import { GatehouseError, type GatehouseErrorData } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { AuthentikClient } from '../authentik/client'
import { publicAuthentikUrl } from '../settings/addresses'
import type { AuthentikRest } from '../authentik/rest'
import type { RecipeContext } from './recipe'
import type { DesiredObject } from '../reconcile/desired'
import { reconcile } from '../reconcile/engine'

/** What a recipe or integration is planned against: the server, its version, who we are there. */
export async function recipeContext(
  connect: () => Promise<{ client: AuthentikClient; settings: Settings }>,
): Promise<{ ctx: RecipeContext; client: AuthentikClient }> {
  const { client, settings } = await connect()
  const me = await client.me()
  return {
    client,
    ctx: {
      rest: client.rest,
      features: client.features,
      version: client.version.raw,
      domain: settings.baseDomain,
      authentikHost: publicAuthentikUrl(settings),
      me: { pk: me.pk, username: me.username },
    },
  }
}

/** Typed failures travel as data; anything else is a bug and goes up to the dispatcher. */
export function toErrorData(error: unknown): GatehouseErrorData {
  if (error instanceof GatehouseError) return error.toData()
  throw error
}

/**
 * Parses parameters; a failure is VALIDATION_FAILED with `details.fields` keyed by the field
 * (`dotted`: the whole path, e.g. `apps.1.slug`, for forms with lists), before any server call.
 */
export function parseParamsOrFieldErrors<T>(
  schema: z.ZodType<T>,
  params: unknown,
  label: string,
  keys: 'first' | 'dotted' = 'first',
): T {
  const parsed = schema.safeParse(params ?? {})
  if (parsed.success) return parsed.data
  const fields: Record<string, string[]> = {}
  for (const issue of parsed.error.issues) {
    const key =
      keys === 'dotted' && issue.path.length > 0
        ? issue.path.map(String).join('.')
        : String(issue.path[0] ?? 'params')
    ;(fields[key] ??= []).push(issue.message)
  }
  throw fieldErrors(label, fields)
}

/** VALIDATION_FAILED naming every field and its messages. */
export function fieldErrors(label: string, fields: Record<string, string[]>): GatehouseError {
  return new GatehouseError({
    code: 'VALIDATION_FAILED',
    message: `The parameters of ${label} are not valid: ${Object.entries(fields)
      .map(([k, v]) => `${k}: ${v.join(' ')}`)
      .join('; ')}.`,
    hint: 'Correct the marked fields and plan again.',
    details: { fields },
  })
}

export type StepStatus = 'done' | 'failed' | 'not-run' | 'unchanged'

export interface TrackedApply {
  /** Every planned step with what happened to it. */
  steps: (PlanStep & { status: StepStatus })[]
  error?: GatehouseErrorData
}

/**
 * Applies `desired` (planned as `planned`) and reports each step's fate. A failure stops the walk
 * and marks the running step failed; the reconciler re-finds everything on the next apply.
 */
export async function applyTracked(
  rest: AuthentikRest,
  desired: readonly DesiredObject[],
  planned: readonly PlanStep[],
  onProgress?: (p: {
    index: number
    total: number
    title: string
    action: PlanStep['action']
    status: 'running' | 'done'
  }) => void,
): Promise<TrackedApply> {
  const status = new Map<string, StepStatus>(
    planned.map((s) => [s.key, s.action === 'unchanged' ? 'unchanged' : 'not-run']),
  )
  let running: string | null = null
  let error: GatehouseErrorData | undefined
  try {
    await reconcile(rest, desired, {
      dryRun: false,
      onStep: ({ step, index, total, status: phase }) => {
        running = phase === 'running' ? step.key : null
        if (phase === 'done') status.set(step.key, 'done')
        onProgress?.({ index, total, title: step.title, action: step.action, status: phase })
      },
    })
  } catch (caught) {
    if (running) status.set(running, 'failed')
    error = toErrorData(caught)
  }
  return {
    steps: planned.map((s) => ({ ...s, status: status.get(s.key) ?? 'not-run' })),
    ...(error ? { error } : {}),
  }
}
