/**
 * The app integrations through the contract: plan and apply with the setup recipes' mechanics
 * (src/main/recipes/plan-apply.ts), the secrets in the keychain, the app-side card, removal and
 * the live checks. Bad input is refused with field errors before Authentik sees a single write
 * (the name-collision check only reads).
 */
import type {
  CheckResult,
  IntegrationApplyResult,
  IntegrationCard,
  IntegrationCheck,
  IntegrationId,
  IntegrationInfo,
  IntegrationPlan,
  IntegrationRemovePlan,
  IntegrationRemoveResult,
  IntegrationStatus,
  ConfiguredIntegration,
} from '../../shared/contract/integrations'
import type { PlanStep, PlanWarning } from '../../shared/contract/recipes'
import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { AuthentikClient } from '../authentik/client'
import type { JsonObject } from '../authentik/rest'
import type { EventBus } from '../core/event-bus'
import type { DesiredObject } from '../reconcile/desired'
import { reconcile } from '../reconcile/engine'
import { kinds } from '../reconcile/kinds'
import {
  applyTracked,
  fieldErrors,
  parseParamsOrFieldErrors,
  recipeContext,
  toErrorData,
} from '../recipes/plan-apply'
import type { RecipeContext } from '../recipes/recipe'
import type { SecretStore, IntegrationSecretName } from '../secrets/store'
import { publicAuthentikUrl } from '../settings/addresses'
import { checkForwardAuth } from './checks/forward-auth'
import type { CheckHttpOptions } from './checks/http'
import { checkOidc, type AcceptedRedirect } from './checks/oidc'
import { allIntegrations, integrationById } from './index'
import type { AnyIntegration, CardContext, OwnedApp } from './integration'
import { createIntegrationRecords, type IntegrationRecord } from './records'

export interface IntegrationsServiceOptions {
  connect: () => Promise<{ client: AuthentikClient; settings: Settings }>
  loadSettings: () => Promise<Settings | null>
  secrets: SecretStore
  bus: EventBus
  dataDir: string
  /** Live checks: timeout and (tests only) where requests really go. */
  check?: CheckHttpOptions
}

const MASK = '••••••'

const secretName = (id: IntegrationId, ref: string) =>
  `integration:${id}:${ref}` as IntegrationSecretName

/** Plan lines never show a password: masked by key in attributes, and by value anywhere. */
export function maskSteps<T extends PlanStep>(steps: T[], values: readonly string[]): T[] {
  const strong = values.filter((v) => v.length >= 4)
  const scrub = (text: string | null, field: string): string | null => {
    if (text === null) return null
    let out = text
    if (field === 'attributes') {
      try {
        const parsed = JSON.parse(text) as Record<string, unknown>
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          for (const key of Object.keys(parsed))
            if (/password|secret/i.test(key) && parsed[key] !== null) parsed[key] = MASK
          out = JSON.stringify(parsed)
        }
      } catch {
        // Not JSON: value scrubbing below still applies.
      }
    }
    for (const value of strong) out = out.split(value).join(MASK)
    return out
  }
  return steps.map((step) => ({
    ...step,
    changes: step.changes.map((c) => ({
      ...c,
      before: scrub(c.before, c.field),
      after: scrub(c.after, c.field),
    })),
  }))
}

export function createIntegrationsService(options: IntegrationsServiceOptions) {
  const records = createIntegrationRecords(options.dataDir)

  const context = () => recipeContext(options.connect)

  /** Parameters as typed, or (when none are given) as last applied. */
  async function rawParamsOf(id: IntegrationId, raw: unknown): Promise<unknown> {
    if (raw !== undefined) return raw
    return (await records.get(id))?.params ?? {}
  }

  /**
   * Parses the form and fills passwords left empty from the keychain. Returns the parameters to
   * build objects from and every secret value that must never appear in a plan.
   */
  async function prepare(integration: AnyIntegration, raw: unknown) {
    const label = `${integration.recipe} ${integration.title}`
    const parsed = parseParamsOrFieldErrors(integration.params, raw, label, 'dotted') as never
    const secrets = integration.passwords?.(parsed) ?? []
    const stored: Record<string, string | null> = {}
    const missing: Record<string, string[]> = {}
    for (const s of secrets) {
      if (s.value !== undefined) continue
      stored[s.ref] = await options.secrets.get(secretName(integration.id, s.ref))
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

  /**
   * An application slug or name that Authentik already uses for something this integration did
   * not create is refused as a field error (reads only, no write).
   */
  async function collisions(
    integration: AnyIntegration,
    params: never,
    ctx: RecipeContext,
    record: IntegrationRecord | undefined,
  ): Promise<void> {
    const label = `${integration.recipe} ${integration.title}`
    const mine = new Set(record ? integration.owned(record.params as never).map((o) => o.slug) : [])
    const problems: Record<string, string[]> = {}
    for (const app of integration.owned(params)) {
      const bySlug = await ctx.rest.list<JsonObject>(
        kinds.application.path,
        { slug: app.slug, superuser_full_list: true },
        `find application ${app.slug}`,
      )
      const other = bySlug.find((a) => a.slug === app.slug)
      const otherProvider = (other?.provider_obj as JsonObject | null | undefined)?.name
      if (other && !mine.has(app.slug) && otherProvider !== app.providerName)
        (problems[app.fields.slug] ??= []).push(
          `Authentik already has an application "${String(other.name)}" with the slug ${app.slug}${otherProvider ? ` (provider "${String(otherProvider)}")` : ''} that this integration did not create. Choose another slug, or remove that application in Authentik.`,
        )
      const byName = await ctx.rest.list<JsonObject>(
        kinds.application.path,
        { name: app.name, superuser_full_list: true },
        `find application ${app.name}`,
      )
      const named = byName.find((a) => a.name === app.name && a.slug !== app.slug)
      if (named && !mine.has(String(named.slug)))
        (problems[app.fields.name] ??= []).push(
          `Authentik already has an application named "${app.name}" (slug ${String(named.slug)}). Choose another name.`,
        )
      const providers = await ctx.rest.list<JsonObject>(
        app.providerKind.path,
        app.providerKind === kinds.proxyProvider
          ? { name__iexact: app.providerName }
          : { name: app.providerName },
        `find provider ${app.providerName}`,
      )
      const provider = providers.find((p) => p.name === app.providerName)
      const assigned = provider?.assigned_application_slug
      if (typeof assigned === 'string' && assigned !== app.slug && !mine.has(assigned))
        (problems[app.fields.providerName] ??= []).push(
          `The provider "${app.providerName}" already serves the application ${assigned}. Choose another name.`,
        )
    }
    if (Object.keys(problems).length) throw fieldErrors(label, problems)
  }

  /** Old application/provider of a renamed integration: deleted before the new ones are made. */
  function renamedAway(
    integration: AnyIntegration,
    params: never,
    record: IntegrationRecord | undefined,
  ): DesiredObject[] {
    if (!record) return []
    let before: OwnedApp[]
    try {
      before = integration.owned(integration.params.parse(record.params) as never)
    } catch {
      return []
    }
    const now = integration.owned(params)
    const out: DesiredObject[] = []
    for (const old of before) {
      if (!now.some((n) => n.slug === old.slug))
        out.push(absentApplication(old, `old:application:${old.slug}`))
      if (!now.some((n) => n.providerName === old.providerName))
        out.push(absentProvider(old, `old:provider:${old.providerName}`))
    }
    // Applications first: a provider still assigned to an application is in use.
    return out.sort(
      (a, b) => Number(a.kind !== kinds.application) - Number(b.kind !== kinds.application),
    )
  }

  const absentApplication = (app: OwnedApp, key: string): DesiredObject => ({
    key,
    kind: kinds.application,
    ensure: 'absent',
    identity: { slug: app.slug },
    query: { slug: app.slug, superuser_full_list: true },
  })
  const absentProvider = (app: OwnedApp, key: string): DesiredObject => ({
    key,
    kind: app.providerKind,
    ensure: 'absent',
    identity: { name: app.providerName },
    query:
      app.providerKind === kinds.proxyProvider
        ? { name__iexact: app.providerName }
        : { name: app.providerName },
  })

  const pending = (steps: PlanStep[]) => steps.filter((s) => s.action !== 'unchanged')

  function statusOf(steps: PlanStep[], record: IntegrationRecord | undefined): IntegrationStatus {
    if (pending(steps).length === 0) return 'applied'
    return record?.appliedAt ? 'drifted' : 'not-applied'
  }

  /** Client ids of the OAuth2 providers (not secret; shown on the card). */
  async function liveValues(integration: AnyIntegration, params: never, ctx: RecipeContext) {
    const clientIds: Record<string, string> = {}
    for (const app of integration.owned(params)) {
      if (app.providerKind !== kinds.oauth2Provider) continue
      const provider = await findOauth2Provider(ctx, app.providerName)
      if (typeof provider?.client_id === 'string') clientIds[app.providerName] = provider.client_id
    }
    return { clientIds }
  }

  async function findOauth2Provider(ctx: RecipeContext, name: string) {
    const found = await ctx.rest.list<JsonObject>(
      kinds.oauth2Provider.path,
      { name },
      `find provider ${name}`,
    )
    return found.find((p) => p.name === name) ?? null
  }

  const cardContext = (ctx: RecipeContext, live: CardContext['live']): CardContext => ({
    domain: ctx.domain,
    authentikHost: ctx.authentikHost,
    live,
  })

  /** Authentik generated the client secret; the keychain keeps a copy for the reveal button. */
  async function syncClientSecret(integration: AnyIntegration, params: never, ctx: RecipeContext) {
    for (const app of integration.owned(params)) {
      if (app.providerKind !== kinds.oauth2Provider) continue
      const provider = await findOauth2Provider(ctx, app.providerName)
      const secret = provider?.client_secret
      if (typeof secret !== 'string' || secret === '') continue
      const name = secretName(integration.id, 'clientSecret')
      if ((await options.secrets.get(name)) !== secret) await options.secrets.set(name, secret)
    }
  }

  async function dryRun(desired: DesiredObject[], ctx: RecipeContext, values: readonly string[]) {
    const read = await reconcile(ctx.rest, desired, { dryRun: true })
    return { read, steps: maskSteps(read.steps, values), warnings: read.warnings as PlanWarning[] }
  }

  async function plan(id: IntegrationId, rawParams: unknown): Promise<IntegrationPlan> {
    const integration = integrationById(id)
    const raw = await rawParamsOf(id, rawParams)
    const { params, values } = await prepare(integration, raw)
    const record = await records.get(id)
    const { ctx, client } = await context()
    await collisions(integration, params, ctx, record)
    const desired = [
      ...renamedAway(integration, params, record),
      ...integration.desired(params, ctx),
    ]
    const { steps, warnings } = await dryRun(desired, ctx, values)
    return {
      id,
      title: integration.title,
      baseUrl: client.baseUrl,
      version: client.version.raw,
      steps,
      warnings,
      status: statusOf(steps, record),
      card: integration.card(params, cardContext(ctx, await liveValues(integration, params, ctx))),
    }
  }

  async function apply(id: IntegrationId, rawParams: unknown): Promise<IntegrationApplyResult> {
    const integration = integrationById(id)
    const raw = await rawParamsOf(id, rawParams)
    const { params, typed, values } = await prepare(integration, raw)
    const record = await records.get(id)
    const { ctx, client } = await context()
    // A release newer than Gatehouse knows is read-only (before any secret is stored).
    const refusal = client.writeRefusal()
    if (refusal) throw refusal
    await collisions(integration, params, ctx, record)
    const desired = [
      ...renamedAway(integration, params, record),
      ...integration.desired(params, ctx),
    ]
    const before = await dryRun(desired, ctx, values)
    // Typed passwords go to the keychain first: a later plan compares against them.
    for (const s of typed)
      if (s.value !== undefined) await options.secrets.set(secretName(id, s.ref), s.value)
    const tracked = await applyTracked(ctx.rest, desired, before.read.steps, (p) =>
      options.bus.emit('integrations.progress', { id, ...p }),
    )
    let error = tracked.error
    await syncClientSecret(integration, params, ctx).catch((caught: unknown) => {
      error ??= toErrorData(caught)
    })
    const after = await dryRun(desired, ctx, values).catch(() => null)
    const remaining = after ? pending(after.steps) : pending(before.steps)
    const completed = !error && remaining.length === 0
    await records.update(id, (current) => ({
      params: integration.storable(params),
      appliedAt: completed ? new Date().toISOString() : (current?.appliedAt ?? null),
      lastCheck: current?.lastCheck ?? null,
    }))
    const live = await liveValues(integration, params, ctx).catch(() => ({ clientIds: {} }))
    return {
      id,
      completed,
      steps: maskSteps(tracked.steps, values),
      remaining,
      warnings: after?.warnings ?? before.warnings,
      ...(error ? { error } : {}),
      card: integration.card(params, cardContext(ctx, live)),
    }
  }

  async function configured(id: IntegrationId) {
    const record = await records.get(id)
    if (!record)
      throw new GatehouseError({
        code: 'VALIDATION_FAILED',
        message: `The ${integrationById(id).title} integration has not been configured by Gatehouse.`,
        hint: `Plan and apply it first (Integrations panel, or gatehouse integrations apply ${id} --params '{…}').`,
      })
    return record
  }

  function removalDesired(
    integration: AnyIntegration,
    params: never,
    ctx: RecipeContext,
    deleteShared: boolean,
  ): DesiredObject[] {
    const owned = integration.owned(params)
    return [
      ...owned.map((app) => absentApplication(app, `application:${app.slug}`)),
      ...owned.map((app) => absentProvider(app, `provider:${app.providerName}`)),
      ...(deleteShared ? integration.shared(params, ctx) : []),
    ]
  }

  async function removePlan(
    id: IntegrationId,
    deleteShared: boolean,
  ): Promise<IntegrationRemovePlan> {
    const integration = integrationById(id)
    const record = await configured(id)
    const { params, values } = await prepare(integration, record.params)
    const { ctx } = await context()
    const { steps, warnings } = await dryRun(
      removalDesired(integration, params, ctx, deleteShared),
      ctx,
      values,
    )
    const kept = deleteShared
      ? []
      : integration
          .shared(params, ctx)
          .map((d) => `${d.kind.label} ${Object.values(d.identity).map(String).join(' / ')}`)
    // R10 keeps the app logins in the group's attributes: a kept group keeps them readable.
    const passwordFields = (integration.passwords?.(params) ?? []).flatMap((s) =>
      s.attribute ? [s.attribute] : [],
    )
    if (kept.length > 0 && passwordFields.length > 0)
      warnings.push({
        code: 'PASSWORDS_STAY_IN_GROUP',
        message: `The kept ${kept.join(', ')} still holds the app logins in its attributes (${passwordFields.join(', ')}), readable by every Authentik admin.`,
        hint: 'Remove the shared objects too, or delete those attributes in the Groups panel; change the app passwords if they protect anything else.',
      })
    return { id, steps: pending(steps), kept, warnings }
  }

  async function removeApply(
    id: IntegrationId,
    deleteShared: boolean,
  ): Promise<IntegrationRemoveResult> {
    const integration = integrationById(id)
    const record = await configured(id)
    const { params, values } = await prepare(integration, record.params)
    const { ctx } = await context()
    const desired = removalDesired(integration, params, ctx, deleteShared)
    const before = await dryRun(desired, ctx, values)
    const tracked = await applyTracked(ctx.rest, desired, before.read.steps, (p) =>
      options.bus.emit('integrations.progress', { id, ...p }),
    )
    if (!tracked.error) {
      for (const s of integration.passwords?.(params) ?? [])
        await options.secrets.delete(secretName(id, s.ref))
      await options.secrets.delete(secretName(id, 'clientSecret'))
      await records.update(id, () => undefined)
    }
    return {
      id,
      completed: !tracked.error,
      steps: maskSteps(tracked.steps, values).filter((s) => s.action !== 'unchanged'),
      ...(tracked.error ? { error: tracked.error } : {}),
    }
  }

  async function card(id: IntegrationId): Promise<IntegrationCard> {
    const integration = integrationById(id)
    const record = await configured(id)
    const params = integration.params.parse(record.params) as never
    const settings = await options.loadSettings()
    const domain = settings?.baseDomain ?? '<domain>'
    let live: CardContext['live'] = { clientIds: {} }
    try {
      const { ctx } = await context()
      live = await liveValues(integration, params, ctx)
    } catch {
      // Authentik unreachable: the card still lists everything but the client id.
    }
    return integration.card(params, {
      domain,
      authentikHost: publicAuthentikUrl({ baseDomain: domain }),
      live,
    })
  }

  async function check(id: IntegrationId): Promise<IntegrationCheck> {
    const integration = integrationById(id)
    const record = await configured(id)
    const params = integration.params.parse(record.params) as never
    const { ctx } = await context()
    const targets = integration.checks(params, cardContext(ctx, { clientIds: {} }))
    const results: CheckResult[] = []
    for (const target of targets) {
      if (target.type === 'forward-auth') {
        results.push(await checkForwardAuth(target, ctx.authentikHost, options.check))
        continue
      }
      const provider = await findOauth2Provider(ctx, target.providerName)
      const accepted = provider
        ? ((provider.redirect_uris ?? []) as unknown as AcceptedRedirect[])
        : null
      results.push(await checkOidc(target, ctx.authentikHost, accepted, options.check))
    }
    const outcome: IntegrationCheck = {
      id,
      ok: results.every((r) => r.ok),
      checkedAt: new Date().toISOString(),
      results,
    }
    await records.update(id, (current) => (current ? { ...current, lastCheck: outcome } : current))
    return outcome
  }

  async function revealSecret(id: IntegrationId, secret: string) {
    const integration = integrationById(id)
    const record = await configured(id)
    let value = await options.secrets.get(secretName(id, secret))
    if (value === null && secret === 'clientSecret') {
      // The keychain lost its copy (another machine, a reset keyring): Authentik still has it.
      const { ctx } = await context()
      await syncClientSecret(integration, integration.params.parse(record.params) as never, ctx)
      value = await options.secrets.get(secretName(id, secret))
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

  async function list(): Promise<ConfiguredIntegration[]> {
    const all = await records.all()
    const out: ConfiguredIntegration[] = []
    let ctx: RecipeContext | null = null
    let connectError: ReturnType<typeof toErrorData> | null = null
    for (const integration of allIntegrations) {
      const record = all[integration.id]
      if (!record) continue
      const base = {
        id: integration.id,
        title: integration.title,
        appliedAt: record.appliedAt,
        params: record.params,
        lastCheck: record.lastCheck,
      }
      try {
        if (!ctx && !connectError) {
          try {
            ctx = (await context()).ctx
          } catch (caught) {
            connectError = toErrorData(caught)
          }
        }
        if (!ctx) throw new GatehouseError(connectError!)
        const { params, values } = await prepare(integration, record.params)
        const { steps } = await dryRun(integration.desired(params, ctx), ctx, values)
        out.push({ ...base, status: statusOf(steps, record), changes: pending(steps).length })
      } catch (caught) {
        out.push({ ...base, status: 'unknown', changes: 0, error: toErrorData(caught) })
      }
    }
    return out
  }

  return {
    async catalog(): Promise<IntegrationInfo[]> {
      const domain = (await options.loadSettings().catch(() => null))?.baseDomain ?? '<domain>'
      return allIntegrations.map((i) => ({
        id: i.id,
        recipe: i.recipe,
        title: i.title,
        protocol: i.protocol,
        summary: i.summary,
        form: i.form(domain),
        ...(i.appPresets ? { appPresets: i.appPresets } : {}),
      }))
    },
    list,
    plan,
    apply,
    card,
    removePlan,
    removeApply,
    check,
    revealSecret,
  }
}
