/**
 * The default brand, certificates, admin settings, system info and users' authenticator devices.
 */
import { handlersFor, project, type ResourceDef } from '../engine'
import type { JsonObject } from '../types'
import { bodyObject, ok, requireSuperuser, type Ctx, type HandlerMap } from './context'

const brandDef: ResourceDef = {
  prefix: 'core_brands',
  collection: 'brands',
  param: 'brand_uuid',
  pk: 'uuid',
  ops: ['list', 'retrieve', 'update', 'partial_update'],
  modelName: 'Brand',
  unique: ['domain'],
  ordering: 'domain',
  search: ['domain', 'branding_title'],
  refs: Object.fromEntries(
    [
      'flow_authentication',
      'flow_invalidation',
      'flow_recovery',
      'flow_unenrollment',
      'flow_user_settings',
      'flow_device_code',
      'flow_user_switch',
      'flow_lockdown',
      'flow_request',
    ].map((field) => [field, { collection: 'flows' as const }]),
  ),
}

const certificateDef: ResourceDef = {
  prefix: 'crypto_certificatekeypairs',
  collection: 'certificates',
  param: 'kp_uuid',
  pk: 'uuid',
  ops: ['list', 'retrieve'],
  modelName: 'Certificate-Key Pair',
  ordering: 'name',
  search: ['name'],
  representation: ['include_details'],
  filters: {
    has_key: (item, value) => item.private_key_available === value,
  },
  computed: (_state, rec) => ({ private_key_type: rec.key_type }),
}

/**
 * An unset `base_url` is left out: the schema's uri format does not admit the empty string. The
 * state keeps every release's flags; each release shows the keys its `Settings.flags` declares
 * (the set moves: 2025.8 `policies_buffered_access_view`, 2026.5 four others; see the API map §8.2).
 */
function settingsBody(ctx: Ctx): JsonObject {
  const { base_url: baseUrl, flags, ...rest } = ctx.state.settings
  const body: JsonObject = baseUrl ? { ...rest, base_url: baseUrl } : rest
  const declared = (ctx.schema.components.Settings?.properties as JsonObject | undefined)?.flags as
    { properties?: JsonObject } | undefined
  if (declared?.properties) {
    const all = (flags ?? {}) as JsonObject
    body.flags = Object.fromEntries(
      Object.keys(declared.properties).map((key) => [key, all[key] ?? false]),
    )
  }
  return project(ctx.schema, 'Settings', body)
}

function updateSettings(ctx: Ctx) {
  requireSuperuser(ctx)
  const body = bodyObject(ctx)
  ctx.state.settings = { ...ctx.state.settings, ...body }
  return ok(settingsBody(ctx))
}

/** Device types by `_type`: model names as authentik's `/authenticators/admin/all/` reports them. */
const DEVICE_KINDS: Record<string, { verbose: string; model: string }> = {
  totp: { verbose: 'TOTP Device', model: 'authentik_stages_authenticator_totp.totpdevice' },
  static: { verbose: 'Static Device', model: 'authentik_stages_authenticator_static.staticdevice' },
  webauthn: {
    verbose: 'WebAuthn Device',
    model: 'authentik_stages_authenticator_webauthn.webauthndevice',
  },
}

export const adminHandlers: HandlerMap = {
  ...handlersFor([brandDef, certificateDef]),

  admin_settings_retrieve: (ctx) => {
    requireSuperuser(ctx)
    return ok(settingsBody(ctx))
  },
  admin_settings_partial_update: updateSettings,
  /** Since 2025.8 (`settingsFlags`) SettingsRequest requires `flags` (checked by the request schema). */
  admin_settings_update: updateSettings,

  admin_system_retrieve: (ctx) => {
    requireSuperuser(ctx)
    const outpost = ctx.state.findBy('outposts', 'managed', 'goauthentik.io/outposts/embedded')
    const config = (outpost?.config ?? {}) as JsonObject
    const host = new URL(ctx.origin).host
    return ok(
      project(ctx.schema, 'SystemInfo', {
        http_headers: { HTTP_HOST: host },
        http_host: host,
        http_is_secure: ctx.origin.startsWith('https:'),
        runtime: {
          python_version: '3.13.5',
          environment: 'docker',
          architecture: 'x86_64',
          platform: 'Linux-6.1.0-x86_64-with-glibc2.36',
          uname: 'Linux authentik 6.1.0 x86_64',
          openssl_version: 'OpenSSL 3.0.16 11 Feb 2025',
          openssl_fips_enabled: false,
          authentik_version: ctx.state.version,
        },
        brand: 'authentik-default',
        server_time: ctx.state.now(),
        embedded_outpost_disabled: false,
        embedded_outpost_host: String(config.authentik_host ?? ''),
        base_url: String(ctx.state.settings.base_url ?? ''),
      }),
    )
  },

  authenticators_admin_all_list: (ctx) => {
    requireSuperuser(ctx)
    const user = ctx.query.user
    const devices = ctx.state
      .all('devices')
      .filter((device) => user === undefined || device.user === user)
      .map((device) => {
        const kind = DEVICE_KINDS[String(device._type)] ?? DEVICE_KINDS.totp!
        return project(ctx.schema, 'Device', {
          ...device,
          verbose_name: kind.verbose,
          verbose_name_plural: `${kind.verbose}s`,
          meta_model_name: kind.model,
          type: kind.model,
          extra_description: '',
          external_id: null,
        })
      })
    return ok(devices)
  },
}
