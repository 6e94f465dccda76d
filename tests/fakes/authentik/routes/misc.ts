import { ok, type HandlerMap } from './context'
import { hasFeature } from '../../../../src/shared/authentik-releases'

export const miscHandlers: HandlerMap = {
  admin_version_retrieve: (ctx) =>
    ok({
      version_current: ctx.state.version,
      version_latest: ctx.state.version,
      version_latest_valid: true,
      build_hash: '',
      outdated: false,
      outpost_outdated: false,
    }),

  root_config_retrieve: (ctx) => {
    const body: Record<string, unknown> = {
      error_reporting: {
        enabled: false,
        sentry_dsn: '',
        environment: 'customer',
        send_pii: false,
        traces_sample_rate: 0.1,
      },
      capabilities: ['can_save_media', 'can_impersonate'],
      cache_timeout: 300,
      cache_timeout_flows: 300,
      cache_timeout_policies: 300,
    }
    if (!hasFeature(ctx.state.version, 'redisRemoved')) body.cache_timeout_reputation = 300
    return ok(body)
  },

  /** drf-spectacular's view: YAML by default, JSON with ?format=json; `info.version` is the server's. */
  schema_retrieve: (ctx) =>
    ctx.query.format === 'json'
      ? {
          status: 200,
          body: ctx.schema.raw,
          contentType: 'application/vnd.oai.openapi+json; charset=utf-8',
        }
      : {
          status: 200,
          body: ctx.schema.raw,
          text: ctx.schema.rawYaml,
          contentType: 'application/vnd.oai.openapi; charset=utf-8',
        },
}
