import { z } from 'zod'
import { GatehouseErrorData } from '../errors'
import { event, method } from './define'
import { PlanId, PlanStep, PlanWarning } from './recipes'

/**
 * App integrations R10–R14: Authentik configured through the same plan/apply as the setup recipes,
 * plus everything the app's own admin page needs ("the other side") and live checks that the two
 * sides meet. One integration per kind; its id is the kind.
 *
 * Secrets (OAuth2 client secrets, the Servarr passwords) never travel in these shapes except in
 * `revealSecret`'s answer, on the admin's explicit request.
 */

export const IntegrationId = z.enum(['servarr', 'nextcloud', 'synology', 'immich', 'inventree'])
export type IntegrationId = z.infer<typeof IntegrationId>

/** One input of an integration form; `apps` is R10's list of Servarr apps. */
export const IntegrationFormField = z.object({
  key: z.string(),
  label: z.string(),
  kind: z.enum(['text', 'boolean', 'select', 'lines', 'apps']),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  help: z.string().optional(),
  default: z.union([z.string(), z.boolean(), z.array(z.string()), z.array(z.unknown())]),
})
export type IntegrationFormField = z.infer<typeof IntegrationFormField>

export const IntegrationInfo = z.object({
  id: IntegrationId,
  /** R10 … R14 */
  recipe: z.string(),
  title: z.string(),
  protocol: z.enum(['forward-auth', 'oidc']),
  summary: z.string(),
  form: z.array(IntegrationFormField),
  /** R10 only: the apps the form offers, with their defaults. */
  appPresets: z
    .array(
      z.object({ kind: z.string(), name: z.string(), slug: z.string(), subdomain: z.string() }),
    )
    .optional(),
})
export type IntegrationInfo = z.infer<typeof IntegrationInfo>

/** A name the keychain holds for an integration: `clientSecret` or `password:<app slug>`. */
export const IntegrationSecretRef = z
  .string()
  .regex(/^(clientSecret|password:[a-z0-9][a-z0-9_-]{0,49})$/, 'Not a secret of an integration.')
export type IntegrationSecretRef = z.infer<typeof IntegrationSecretRef>

/** One value to paste into the app; secrets carry `secret` and no value. */
export const CardValue = z.object({
  key: z.string(),
  label: z.string(),
  value: z.string().nullable(),
  /** Set for values kept in the keychain: reveal with integrations.revealSecret. */
  secret: IntegrationSecretRef.optional(),
  /** Groups values per app (R10) or per screen of the app. */
  group: z.string().optional(),
  help: z.string().optional(),
})
export type CardValue = z.infer<typeof CardValue>

export const IntegrationCard = z.object({
  title: z.string(),
  values: z.array(CardValue),
  checklist: z.array(z.string()),
  notes: z.array(z.string()),
})
export type IntegrationCard = z.infer<typeof IntegrationCard>

export const CheckReason = z.enum([
  'ok',
  'dns',
  'tls',
  'timeout',
  'refused',
  'network',
  'status',
  'not-protected',
  'issuer',
  'endpoints',
  'redirect-uri',
  'not-configured',
  /** Who may use it: a user outside the allowed groups would get in, or a member would not. */
  'access',
])
export type CheckReason = z.infer<typeof CheckReason>

export const CheckResult = z.object({
  /** What was checked, e.g. "Immich discovery" or "sonarr.example.org is protected". */
  title: z.string(),
  url: z.string(),
  ok: z.boolean(),
  reason: CheckReason,
  message: z.string(),
  /** What to do about it (absent when ok). */
  fix: z.string().optional(),
})
export type CheckResult = z.infer<typeof CheckResult>

export const IntegrationCheck = z.object({
  id: IntegrationId,
  ok: z.boolean(),
  checkedAt: z.string(),
  results: z.array(CheckResult),
})
export type IntegrationCheck = z.infer<typeof IntegrationCheck>

export const IntegrationStatus = z.enum(['applied', 'drifted', 'not-applied', 'unknown'])
export type IntegrationStatus = z.infer<typeof IntegrationStatus>

/** Parameters as the admin gave them; passwords are never part of them once stored. */
const Params = z.record(z.string().max(100), z.unknown())

export const ConfiguredIntegration = z.object({
  id: IntegrationId,
  title: z.string(),
  status: IntegrationStatus,
  /** Objects left to change (0 when applied). */
  changes: z.number(),
  appliedAt: z.string().nullable(),
  params: Params,
  lastCheck: IntegrationCheck.nullable(),
  error: GatehouseErrorData.optional(),
})
export type ConfiguredIntegration = z.infer<typeof ConfiguredIntegration>

export const IntegrationPlan = z.object({
  id: IntegrationId,
  /** Apply takes this id and applies exactly this plan, or refuses with PLAN_STALE (#14). */
  planId: PlanId,
  /** The parameters the plan was made with, passwords left out (what `--plan` re-sends). */
  params: Params,
  title: z.string(),
  baseUrl: z.string(),
  version: z.string(),
  steps: z.array(PlanStep),
  warnings: z.array(PlanWarning),
  status: IntegrationStatus,
  card: IntegrationCard,
})
export type IntegrationPlan = z.infer<typeof IntegrationPlan>

export const IntegrationApplyResult = z.object({
  id: IntegrationId,
  completed: z.boolean(),
  steps: z.array(PlanStep.extend({ status: z.enum(['done', 'failed', 'not-run', 'unchanged']) })),
  remaining: z.array(PlanStep),
  warnings: z.array(PlanWarning),
  error: GatehouseErrorData.optional(),
  card: IntegrationCard,
})
export type IntegrationApplyResult = z.infer<typeof IntegrationApplyResult>

export const RemoveParams = z
  .strictObject({
    /** Also delete the groups (and R11's scope mapping) the integration created. */
    deleteShared: z.boolean().default(false),
  })
  .optional()

export const IntegrationRemovePlan = z.object({
  id: IntegrationId,
  steps: z.array(PlanStep),
  /** Objects the integration uses that stay (groups other apps may use). */
  kept: z.array(z.string()),
  warnings: z.array(PlanWarning),
})
export type IntegrationRemovePlan = z.infer<typeof IntegrationRemovePlan>

export const IntegrationRemoveResult = z.object({
  id: IntegrationId,
  completed: z.boolean(),
  steps: z.array(PlanStep.extend({ status: z.enum(['done', 'failed', 'not-run', 'unchanged']) })),
  error: GatehouseErrorData.optional(),
})
export type IntegrationRemoveResult = z.infer<typeof IntegrationRemoveResult>

export const IntegrationProgress = z.object({
  id: IntegrationId,
  index: z.number(),
  total: z.number(),
  title: z.string(),
  action: z.enum(['create', 'update', 'delete', 'unchanged']),
  status: z.enum(['running', 'done']),
})

export const integrationsEvents = {
  'integrations.progress': event({
    summary: 'Each write of an integration apply or removal as it starts and ends',
    payload: IntegrationProgress,
  }),
}

const WithParams = z.strictObject({ id: IntegrationId, params: Params.optional() })

export const integrations = {
  catalog: method({
    summary: 'The app integrations R10–R14 with their forms',
    input: z.strictObject({}).optional(),
    output: z.array(IntegrationInfo),
  }),
  list: method({
    summary: 'The integrations Gatehouse configured, with status and last check result',
    input: z.strictObject({}).optional(),
    output: z.array(ConfiguredIntegration),
  }),
  plan: method({
    summary: 'What an integration would change on the Authentik server now, plus the app-side card',
    input: WithParams,
    output: IntegrationPlan,
  }),
  apply: method({
    summary:
      'Configure an integration exactly as planned (its planId), keep its secret, re-read; PLAN_STALE if anything changed',
    input: WithParams.extend({
      planId: PlanId,
      acknowledged: z.array(z.string().max(100)).max(50).optional(),
    }),
    output: IntegrationApplyResult,
  }),
  card: method({
    summary: 'The values to paste into the app (secrets only as references) and its checklist',
    input: z.strictObject({ id: IntegrationId }),
    output: IntegrationCard,
  }),
  removePlan: method({
    summary: 'What removing an integration would delete in Authentik (shared groups kept)',
    input: z.strictObject({ id: IntegrationId, params: RemoveParams }),
    output: IntegrationRemovePlan,
  }),
  removeApply: method({
    summary: 'Remove an integration: delete its providers and applications, forget its secrets',
    input: z.strictObject({ id: IntegrationId, params: RemoveParams }),
    output: IntegrationRemoveResult,
  }),
  check: method({
    summary: 'Live check that the app and Authentik meet (discovery, redirect URIs, forward auth)',
    input: z.strictObject({ id: IntegrationId }),
    output: IntegrationCheck,
  }),
  revealSecret: method({
    summary:
      'Reveal ONE integration secret (client secret, a Servarr password) on explicit request',
    input: z.strictObject({ id: IntegrationId, secret: IntegrationSecretRef }),
    output: z.object({ id: IntegrationId, secret: IntegrationSecretRef, value: z.string() }),
  }),
}
