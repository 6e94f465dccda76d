/**
 * The integrations' secrets: passwords the form left empty are taken from the keychain, typed
 * ones go there, and a copy of each OAuth2 client secret Authentik generated is kept for the
 * reveal button. Values never leave except through `revealSecret`.
 */
import type { IntegrationId, IntegrationSecretRef } from '../../shared/contract/integrations'
import { GatehouseError } from '../../shared/errors'
import { kinds } from '../reconcile/kinds'
import { fieldErrors, parseParamsOrFieldErrors } from '../recipes/plan-apply'
import type { RecipeContext } from '../recipes/recipe'
import { configured, secretName, type IntegrationDeps } from './deps'
import { integrationById } from './index'
import type { AnyIntegration } from './integration'
import { findOauth2Provider } from './live-values'

/** The parameters to build objects from, the passwords typed now, every value to mask. */
export interface PreparedParams {
  params: never
  typed: { ref: string; value: string | undefined }[]
  values: string[]
}

/**
 * Parses the form and fills passwords left empty from the keychain. Returns the parameters to
 * build objects from and every secret value that must never appear in a plan.
 */
export async function prepare(
  deps: IntegrationDeps,
  integration: AnyIntegration,
  raw: unknown,
): Promise<PreparedParams> {
  const label = `${integration.recipe} ${integration.title}`
  const parsed = parseParamsOrFieldErrors(integration.params, raw, label, 'dotted') as never
  const secrets = integration.passwords?.(parsed) ?? []
  const stored: Record<string, string | null> = {}
  const missing: Record<string, string[]> = {}
  for (const s of secrets) {
    if (s.value !== undefined) continue
    stored[s.ref] = await deps.options.secrets.get(secretName(integration.id, s.ref))
    if (!stored[s.ref])
      missing[s.field] = [
        "Enter the app's password: Gatehouse has none in the keychain for this app yet.",
      ]
  }
  if (Object.keys(missing).length) throw fieldErrors(label, missing)
  const params = (integration.withPasswords?.(parsed, stored) ?? parsed) as never
  const values = (integration.passwords?.(params) ?? [])
    .map((s) => s.value)
    .filter((v): v is string => typeof v === 'string')
  return { params, typed: secrets.filter((s) => s.value !== undefined), values }
}

/** Typed passwords go to the keychain before the apply: a later plan compares against them. */
export async function keepTypedPasswords(
  deps: IntegrationDeps,
  id: IntegrationId,
  typed: PreparedParams['typed'],
): Promise<void> {
  for (const s of typed)
    if (s.value !== undefined) await deps.options.secrets.set(secretName(id, s.ref), s.value)
}

/** Authentik generated the client secret; the keychain keeps a copy for the reveal button. */
export async function keepClientSecret(
  deps: IntegrationDeps,
  integration: AnyIntegration,
  params: never,
  ctx: RecipeContext,
): Promise<void> {
  for (const app of integration.owned(params)) {
    if (app.providerKind !== kinds.oauth2Provider) continue
    const provider = await findOauth2Provider(ctx, app.providerName)
    const secret = provider?.client_secret
    if (typeof secret !== 'string' || secret === '') continue
    const name = secretName(integration.id, 'clientSecret')
    if ((await deps.options.secrets.get(name)) !== secret)
      await deps.options.secrets.set(name, secret)
  }
}

/** Forgets every secret of a removed integration. */
export async function forgetSecrets(
  deps: IntegrationDeps,
  integration: AnyIntegration,
  params: never,
): Promise<void> {
  for (const s of integration.passwords?.(params) ?? [])
    await deps.options.secrets.delete(secretName(integration.id, s.ref))
  await deps.options.secrets.delete(secretName(integration.id, 'clientSecret'))
}

/** One secret's value, on the admin's explicit request. */
export async function revealSecret(
  deps: IntegrationDeps,
  { id, secret }: { id: IntegrationId; secret: IntegrationSecretRef },
) {
  const integration = integrationById(id)
  const record = await configured(deps, id)
  let value = await deps.options.secrets.get(secretName(id, secret))
  if (value === null && secret === 'clientSecret') {
    // The keychain lost its copy (another machine, a reset keyring): Authentik still has it.
    const { ctx } = await deps.context()
    await keepClientSecret(deps, integration, integration.params.parse(record.params) as never, ctx)
    value = await deps.options.secrets.get(secretName(id, secret))
  }
  if (value === null)
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `The keychain holds no ${secret} for the ${integration.title} integration.`,
      hint:
        secret === 'clientSecret'
          ? 'Apply the integration: Authentik generates the client secret and Gatehouse keeps a copy.'
          : 'Edit the integration and type the password again.',
    })
  return { id, secret, value }
}
