/**
 * The app integrations through the contract, bound as one object: each method takes the parsed
 * contract input and returns the contract output. The work lives in rooms of its own — plan and
 * apply (configure.ts), removal (removal.ts), the card and live checks (app-side.ts), the list of
 * configured integrations (configured-list.ts), the keychain (keychain.ts) — sharing the records
 * file and the Authentik context (deps.ts).
 */
import type { MethodName, OutputOf, ParsedInputOf } from '../../shared/contract'
import { IntegrationFormField } from '../../shared/contract/integrations'
import { formFromSchema } from '../recipes/param-form'
import { recipeContext } from '../recipes/plan-apply'
import { card, check } from './app-side'
import { list } from './configured-list'
import { apply, plan } from './configure'
import type { IntegrationDeps, IntegrationsServiceOptions } from './deps'
import { allIntegrations } from './index'
import { revealSecret } from './keychain'
import { createIntegrationRecords } from './records'
import { removeApply, removePlan } from './removal'

export type { IntegrationsServiceOptions } from './deps'

type In<M extends MethodName & `integrations.${string}`> = ParsedInputOf<M>

export function createIntegrationsService(options: IntegrationsServiceOptions) {
  const records = createIntegrationRecords(options.dataDir)
  const deps: IntegrationDeps = {
    options,
    records,
    context: () => recipeContext(options.connect),
  }

  async function catalog(): Promise<OutputOf<'integrations.catalog'>> {
    const domain = (await options.loadSettings().catch(() => null))?.baseDomain ?? '<domain>'
    return allIntegrations.map((i) => ({
      id: i.id,
      recipe: i.recipe,
      title: i.title,
      protocol: i.protocol,
      summary: i.summary,
      form: IntegrationFormField.array().parse(formFromSchema(i.params, { domain })),
      ...(i.appPresets ? { appPresets: i.appPresets } : {}),
    }))
  }

  return {
    catalog,
    list: () => list(deps),
    plan: (input: In<'integrations.plan'>) => plan(deps, input),
    apply: (input: In<'integrations.apply'>) => apply(deps, input),
    card: (input: In<'integrations.card'>) => card(deps, input),
    removePlan: (input: In<'integrations.removePlan'>) => removePlan(deps, input),
    removeApply: (input: In<'integrations.removeApply'>) => removeApply(deps, input),
    check: (input: In<'integrations.check'>) => check(deps, input),
    revealSecret: (input: In<'integrations.revealSecret'>) => revealSecret(deps, input),
    /** Nothing stays open; waits for a record write under way so the file is whole at exit. */
    dispose: () => records.settled(),
  }
}

export type IntegrationsService = ReturnType<typeof createIntegrationsService>
