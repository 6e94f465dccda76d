/**
 * Providers (proxy, OAuth2, `/providers/all/`), applications, scope mappings, outposts (update
 * and health). The proxy provider gets the values `set_oauth_defaults()` forces on every save.
 */
import { randomBytes } from 'node:crypto'
import {
  handlersFor,
  project,
  type Meta,
  type Rec,
  type RefSpec,
  type ResourceDef,
} from '../engine'
import {
  APPLICATION_DEFAULTS,
  OAUTH2_PROVIDER_DEFAULTS,
  PROXY_PROVIDER_DEFAULTS,
  SCOPE_MAPPING_DEFAULTS,
} from '../defaults'
import type { LoadedSchema } from '../openapi'
import { stableUuid, type FakeState } from '../state'
import { HttpError, notFound, type JsonObject } from '../types'
import { ok, requireSuperuser, type HandlerMap } from './context'
import { deletePolicyBindingsOn } from './flows'
import { hasFeature } from '../../../../src/shared/authentik-releases'

const PROVIDER_META: Record<string, Meta> = {
  proxy: {
    component: 'ak-provider-proxy-form',
    verbose_name: 'Proxy Provider',
    verbose_name_plural: 'Proxy Providers',
    meta_model_name: 'authentik_providers_proxy.proxyprovider',
  },
  oauth2: {
    component: 'ak-provider-oauth2-form',
    verbose_name: 'OAuth2/OpenID Provider',
    verbose_name_plural: 'OAuth2/OpenID Providers',
    meta_model_name: 'authentik_providers_oauth2.oauth2provider',
  },
}

/** Django's `generate_id` (40 chars) and `generate_key` (128 chars). */
const randomId = (length: number): string =>
  randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length)

function applicationOf(state: FakeState, providerPk: unknown): Rec | undefined {
  return state.all('applications').find((app) => app.provider === providerPk)
}

/** What a provider would launch: proxy → external_host; OAuth2 → origin of the first redirect URI. */
function providerLaunchUrl(provider: Rec): string | null {
  if (provider._type === 'proxy') return String(provider.external_host)
  const first = (provider.redirect_uris as { url: string }[] | undefined)?.[0]
  if (!first || !URL.canParse(first.url)) return null
  const url = new URL(first.url)
  return url.protocol.startsWith('http') ? `${url.protocol}//${url.host}` : null
}

function providerComputed(state: FakeState, rec: Rec, schema: LoadedSchema): JsonObject {
  const app = applicationOf(state, rec.pk)
  const redirects = (rec.redirect_uris as JsonObject[] | undefined) ?? []
  return {
    ...PROVIDER_META[String(rec._type)],
    assigned_application_slug: app?.slug ?? null,
    assigned_application_name: app?.name ?? null,
    assigned_backchannel_application_slug: null,
    assigned_backchannel_application_name: null,
    redirect_uris: redirects.map((uri) =>
      project(schema, 'RedirectURI', { redirect_uri_type: 'authorization', ...uri }),
    ),
    outpost_set: state
      .all('outposts')
      .filter((outpost) => (outpost.providers as unknown[]).includes(rec.pk))
      .map((outpost) => `Outpost ${String(outpost.name)}`),
  }
}

/** The generic Provider representation (`provider_obj`, `providers_obj`, `/providers/all/`). */
function genericProvider(state: FakeState, schema: LoadedSchema, rec: Rec): JsonObject {
  return project(schema, 'Provider', { ...rec, ...providerComputed(state, rec, schema) })
}

function deleteProvider(state: FakeState, rec: Rec): void {
  for (const app of state.all('applications')) {
    if (app.provider === rec.pk) app.provider = null
    app.backchannel_providers = (app.backchannel_providers as unknown[]).filter(
      (pk) => pk !== rec.pk,
    )
  }
  for (const outpost of state.all('outposts')) {
    outpost.providers = (outpost.providers as unknown[]).filter((pk) => pk !== rec.pk)
  }
}

const flowRef: RefSpec = { collection: 'flows' }
const providerRefs: Record<string, RefSpec> = {
  authorization_flow: flowRef,
  invalidation_flow: flowRef,
  authentication_flow: flowRef,
  property_mappings: { collection: 'propertyMappings', many: true },
}

const PROXY_SCOPES = [
  'goauthentik.io/providers/oauth2/scope-openid',
  'goauthentik.io/providers/oauth2/scope-email',
  'goauthentik.io/providers/oauth2/scope-profile',
  'goauthentik.io/providers/proxy/scope-proxy',
]

/** The proxy scope mapping is a managed default; it is recreated when a proxy provider needs it. */
function proxyScopeMappings(state: FakeState): string[] {
  if (!state.findBy('propertyMappings', 'managed', PROXY_SCOPES[3])) {
    const pk = stableUuid(`scope:${PROXY_SCOPES[3]}`)
    state.store.propertyMappings.set(pk, {
      ...SCOPE_MAPPING_DEFAULTS(),
      pk,
      _type: 'scope',
      managed: PROXY_SCOPES[3],
      name: 'authentik default OAuth Mapping: Proxy outpost',
      scope_name: 'ak_proxy',
      description: 'authentik Proxy - User information',
      expression:
        'return {\n    "ak_proxy": {\n        "user_attributes": request.user.group_attributes(request),\n        "is_superuser": request.user.is_superuser,\n    }\n}',
    })
  }
  return PROXY_SCOPES.map((managed) => state.findBy('propertyMappings', 'managed', managed))
    .filter((rec): rec is Rec => rec !== undefined)
    .map((rec) => String(rec.pk))
}

const callbackUrl = (host: string): string =>
  `${host.replace(/\/+$/, '')}/outpost.goauthentik.io/callback?X-authentik-auth-callback=true`

const proxyDef: ResourceDef = {
  prefix: 'providers_proxy',
  collection: 'providers',
  type: 'proxy',
  param: 'id',
  pk: 'int',
  modelName: 'Provider',
  unique: ['name'],
  ordering: 'name',
  search: ['name'],
  defaults: PROXY_PROVIDER_DEFAULTS,
  refs: { ...providerRefs, certificate: { collection: 'certificates' } },
  filters: {
    application__isnull: (item, value) => (item.assigned_application_slug === null) === value,
    authorization_flow__slug__iexact: (item, value) =>
      item._flow_slug === String(value).toLowerCase(),
  },
  validate: (_ctx, next) => {
    if (next.mode === 'proxy' && !next.internal_host) {
      throw new HttpError(400, {
        internal_host: ['Internal host cannot be empty when forward auth is disabled.'],
      })
    }
  },
  // ProxyProvider.set_oauth_defaults(), run by the serializer on every create and update.
  beforeSave: (ctx, next) => {
    next.client_type = 'confidential'
    next.include_claims_in_id_token = true
    next.property_mappings = proxyScopeMappings(ctx.state)
    next.client_id ??= randomId(40)
    next.client_secret ??= randomId(128)
    const host = String(next.external_host)
    next.redirect_uris = [
      { matching_mode: 'strict', url: callbackUrl(host) },
      { matching_mode: 'strict', url: `${host}?X-authentik-auth-callback=true` },
    ]
  },
  computed: (state, rec, schema) => ({
    ...providerComputed(state, rec, schema),
    _flow_slug: String(
      state.store.flows.get(rec.authorization_flow as string)?.slug ?? '',
    ).toLowerCase(),
  }),
  onDelete: deleteProvider,
}

const oauth2Def: ResourceDef = {
  prefix: 'providers_oauth2',
  collection: 'providers',
  type: 'oauth2',
  param: 'id',
  pk: 'int',
  modelName: 'Provider',
  unique: ['name'],
  ordering: 'name',
  search: ['name'],
  defaults: OAUTH2_PROVIDER_DEFAULTS,
  refs: {
    ...providerRefs,
    signing_key: { collection: 'certificates' },
    encryption_key: { collection: 'certificates' },
  },
  filters: {
    application: (item, value) => item._application === value,
  },
  beforeSave: (_ctx, next) => {
    if (!next.client_id) next.client_id = randomId(40)
    if (!next.client_secret) next.client_secret = randomId(128)
  },
  computed: (state, rec, schema) => ({
    ...providerComputed(state, rec, schema),
    _application: applicationOf(state, rec.pk)?.pk ?? null,
  }),
  onDelete: deleteProvider,
}

const allProvidersDef: ResourceDef = {
  prefix: 'providers_all',
  collection: 'providers',
  param: 'id',
  pk: 'int',
  ops: ['list', 'retrieve', 'destroy'],
  modelName: 'Provider',
  ordering: 'pk',
  search: ['name'],
  filters: {
    application__isnull: (item, value) => (item.assigned_application_slug === null) === value,
    backchannel: (_item, value) => value === false,
  },
  computed: providerComputed,
  onDelete: deleteProvider,
}

const applicationDef: ResourceDef = {
  prefix: 'core_applications',
  collection: 'applications',
  param: 'slug',
  lookup: 'slug',
  pk: 'uuid',
  modelName: 'Application',
  unique: ['slug'],
  ordering: 'name',
  search: ['name', 'slug', 'meta_launch_url', 'meta_description', 'meta_publisher', 'group'],
  representation: ['superuser_full_list', 'for_user'],
  defaults: APPLICATION_DEFAULTS,
  refs: {
    provider: { collection: 'providers' },
    backchannel_providers: { collection: 'providers', many: true },
  },
  filters: {
    only_with_launch_url: (item, value) => !value || item.launch_url !== null,
  },
  validate: (ctx, next) => {
    if (next.provider === null || next.provider === undefined) return
    const other = applicationOf(ctx.state, next.provider)
    if (other && other.pk !== next.pk) {
      throw new HttpError(400, { provider: ['Application with this provider already exists.'] })
    }
  },
  computed: (state, rec, schema) => {
    const provider =
      rec.provider != null ? state.store.providers.get(rec.provider as number) : undefined
    const meta = String(rec.meta_launch_url ?? '')
    const icon = String(rec.meta_icon ?? '')
    return {
      pbm_uuid: rec.pk,
      provider_obj: provider ? genericProvider(state, schema, provider) : null,
      backchannel_providers_obj: (rec.backchannel_providers as number[])
        .map((pk) => state.store.providers.get(pk))
        .filter((p): p is Rec => p !== undefined)
        .map((p) => genericProvider(state, schema, p)),
      launch_url: meta !== '' ? meta : provider ? providerLaunchUrl(provider) : null,
      meta_icon: hasFeature(state.version, 'fileFieldsWritable') ? icon : null,
      meta_icon_url: icon === '' ? null : icon,
      meta_icon_themed_urls: null,
    }
  },
  onDelete: (state, rec) => deletePolicyBindingsOn(state, rec.pk),
}

const scopeMappingDef: ResourceDef = {
  prefix: 'propertymappings_provider_scope',
  collection: 'propertyMappings',
  type: 'scope',
  param: 'pm_uuid',
  pk: 'uuid',
  modelName: 'Property Mapping',
  unique: ['name'],
  ordering: 'scope_name',
  search: ['name', 'scope_name', 'description'],
  meta: {
    component: 'ak-property-mapping-provider-scope-form',
    verbose_name: 'Scope Mapping',
    verbose_name_plural: 'Scope Mappings',
    meta_model_name: 'authentik_providers_oauth2.scopemapping',
  },
  defaults: SCOPE_MAPPING_DEFAULTS,
  onDelete: (state, rec) => {
    for (const provider of state.all('providers')) {
      provider.property_mappings = (provider.property_mappings as unknown[]).filter(
        (pk) => pk !== rec.pk,
      )
    }
  },
}

const outpostDef: ResourceDef = {
  prefix: 'outposts_instances',
  collection: 'outposts',
  param: 'uuid',
  pk: 'uuid',
  ops: ['list', 'retrieve', 'update', 'partial_update'],
  modelName: 'Outpost',
  unique: ['name'],
  ordering: 'name',
  search: ['name', 'providers__name'],
  refs: { providers: { collection: 'providers', many: true } },
  filters: {
    providers_by_pk: (item, value) =>
      (value as number[]).some((pk) => (item.providers as number[]).includes(pk)),
    providers__name: () => true,
  },
  computed: (state, rec, schema) => ({
    refresh_interval_s: 150,
    providers__name: (rec.providers as number[])
      .map((pk) => state.store.providers.get(pk)?.name)
      .join(' '),
    providers_obj: (rec.providers as number[])
      .map((pk) => state.store.providers.get(pk))
      .filter((p): p is Rec => p !== undefined)
      .map((p) => genericProvider(state, schema, p)),
    // Before 2025.8 service_connection_obj is required and not nullable, although the embedded
    // outpost has no connection; the fake shows the local Docker connection there (see README).
    service_connection_obj: !hasFeature(state.version, 'outpostConnectionNullable')
      ? {
          pk: stableUuid('service-connection:local-docker'),
          name: 'Local Docker connection',
          local: true,
          component: 'ak-service-connection-docker-form',
          verbose_name: 'Docker Service-Connection',
          verbose_name_plural: 'Docker Service-Connections',
          meta_model_name: 'authentik_outposts.dockerserviceconnection',
        }
      : null,
  }),
}

const extraHandlers: HandlerMap = {
  /** 404 until an application uses the provider (the URLs contain its slug). */
  providers_oauth2_setup_urls_retrieve: (ctx) => {
    requireSuperuser(ctx)
    const provider = ctx.state.store.providers.get(Number(ctx.params.id))
    if (!provider || provider._type !== 'oauth2') throw notFound()
    const app = applicationOf(ctx.state, provider.pk)
    if (!app) throw notFound()
    const base = `${ctx.origin}/application/o`
    const slug = String(app.slug)
    return ok(
      project(ctx.schema, 'OAuth2ProviderSetupURLs', {
        issuer: `${base}/${slug}/`,
        authorize: `${base}/authorize/`,
        token: `${base}/token/`,
        user_info: `${base}/userinfo/`,
        provider_info: `${base}/${slug}/.well-known/openid-configuration`,
        logout: `${base}/${slug}/end-session/`,
        jwks: `${base}/${slug}/jwks/`,
        dcr_registration: null,
      }),
    )
  },

  outposts_instances_health_list: (ctx) => {
    requireSuperuser(ctx)
    const pk = String(ctx.params.uuid)
    if (!ctx.state.store.outposts.has(pk)) throw notFound()
    return ok(ctx.state.outpostHealth.get(pk) ?? [])
  },
}

export const providerHandlers: HandlerMap = {
  ...handlersFor([
    proxyDef,
    oauth2Def,
    allProvidersDef,
    applicationDef,
    scopeMappingDef,
    outpostDef,
  ]),
  ...extraHandlers,
}
