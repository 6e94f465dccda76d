/**
 * R3's apply: not a reconcile but the stack's `ak test_email`, to the address typed or the admin
 * e-mail from Settings. A failed send is a result the admin reads, not an error.
 */
import type { PlanStep, RecipeApplyResult } from '../../shared/contract/recipes'
import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import { toErrorData } from './plan-apply'

export async function applyEmailCheck(
  params: { to?: string },
  loadSettings: () => Promise<Settings | null>,
  testEmail: (to: string) => Promise<{ ok: boolean; output: string }>,
): Promise<RecipeApplyResult> {
  const settings = await loadSettings()
  const to = params.to ?? settings?.adminEmail
  if (!to)
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: 'There is no address to send the test e-mail to.',
      hint: 'Enter one, or save the admin e-mail in Settings.',
      details: { fields: { to: ['Required.'] } },
    })
  const step: PlanStep = {
    key: 'test-email',
    kind: 'check',
    title: `ak test_email ${to}`,
    action: 'update',
    changes: [],
  }
  try {
    const outcome = await testEmail(to)
    return {
      recipe: 'r3',
      completed: outcome.ok,
      steps: [{ ...step, status: outcome.ok ? 'done' : 'failed' }],
      remaining: [],
      warnings: outcome.ok ? [] : [{ code: 'EMAIL_FAILED', message: outcome.output.slice(-2000) }],
    }
  } catch (error) {
    return {
      recipe: 'r3',
      completed: false,
      steps: [{ ...step, status: 'failed' }],
      remaining: [],
      warnings: [],
      error: toErrorData(error),
    }
  }
}
