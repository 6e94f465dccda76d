import { ref, type Ref } from 'vue'
import type { z } from 'zod'
import { GatehouseError, type GatehouseErrorData } from '../../shared/errors'

/** Any thrown value as contract error data, so every view shows message + hint the same way. */
export function errorData(error: unknown): GatehouseErrorData {
  if (error instanceof GatehouseError) return error.toData()
  return { code: 'INTERNAL', message: String(error), hint: 'Reload the window and try again.' }
}

/** Field errors a VALIDATION_FAILED carries, keyed by dotted path ("smtp.port"). */
export function fieldErrors(error: GatehouseErrorData | null): Record<string, string> {
  const issues = (error?.details?.issues ?? []) as { path: string; message: string }[]
  const out: Record<string, string> = {}
  for (const issue of issues) out[issue.path] ??= issue.message
  // Authentik's own 400s (AUTHENTIK_REJECTED) carry its field messages, e.g. a taken username.
  const fields = (error?.details?.fields ?? {}) as Record<string, string[]>
  for (const [field, messages] of Object.entries(fields)) out[field] ??= messages.join(' ')
  return out
}

/**
 * A form's own zod check failing, shaped like the server's VALIDATION_FAILED so the same field
 * errors appear whether the browser or the main process refused the input.
 */
export function validationError(error: z.ZodError): GatehouseErrorData {
  return {
    code: 'VALIDATION_FAILED',
    message: 'Some fields need fixing.',
    hint: '',
    details: {
      issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    },
  }
}

/**
 * Runs `work` with its failure kept as typed data in `error` (cleared first) and `busy` true
 * meanwhile: the one try/catch of every store and form. Resolves true when `work` succeeded.
 */
export async function attempt(
  error: Ref<GatehouseErrorData | null>,
  work: () => Promise<unknown>,
  busy?: Ref<boolean>,
): Promise<boolean> {
  if (busy) busy.value = true
  error.value = null
  try {
    await work()
    return true
  } catch (caught) {
    error.value = errorData(caught)
    return false
  } finally {
    if (busy) busy.value = false
  }
}

/**
 * One button's work: `busy` while it runs, its failure kept as typed data for the form (field
 * errors next to the field, the rest as an alert). `run` resolves true when the action succeeded.
 */
export function useAction() {
  const busy = ref(false)
  const error = ref<GatehouseErrorData | null>(null)
  const run = (action: () => Promise<void>) => attempt(error, action, busy)
  return { busy, error, run }
}
