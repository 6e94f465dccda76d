import { z } from 'zod'
import { method } from './define'

/**
 * The Traefik side of R2 and R10: Gatehouse's middlewares merged into the admin's
 * `dynamic_config.yml` (plan → diff → apply with the plan's hash), and the router labels for apps.
 * The path is checked by the service (field error `path`), so the CLI and the form get the same
 * message; here it is only bounded.
 */

export const TraefikInclude = z.enum(['r2', 'r10'])
export type TraefikInclude = z.infer<typeof TraefikInclude>

const planFields = {
  /** Absolute path of dynamic_config.yml; default: the `traefikDynamicConfig` setting. */
  path: z.string().max(4096).optional(),
  /** ['r2'] for the domain-level chain; ['r2', 'r10'] adds the HTTP-basic chain. */
  include: z.array(TraefikInclude).min(1).max(2).default(['r2']),
  /** 'add-suggested' writes Gatehouse's default-security-headers when the file has none. */
  securityHeaders: z.enum(['keep', 'add-suggested']).default('keep'),
  /** The Authentik server as Traefik reaches it on the proxy network. */
  server: z
    .strictObject({
      host: z.string().min(1).max(253),
      port: z.int().min(1).max(65535),
    })
    .optional(),
  /** Router/subdomain name the example labels use (e.g. sonarr); default `app`. */
  app: z.string().max(63).optional(),
  /** Domain for the example labels; default: the baseDomain setting. */
  domain: z.string().max(253).optional(),
}

export const TraefikPlanInput = z.strictObject(planFields)
export type TraefikPlanInput = z.input<typeof TraefikPlanInput>

export const TraefikApplyInput = z.strictObject({
  ...planFields,
  /** The plan's hash: apply writes only if the file plus the change still hash to it. */
  planHash: z.string().regex(/^[0-9a-f]{64}$/, { error: 'Not a plan hash: plan first.' }),
})
export type TraefikApplyInput = z.input<typeof TraefikApplyInput>

export const TraefikChange = z.object({
  middleware: z.string(),
  action: z.enum(['create', 'update', 'unchanged']),
})
export type TraefikChange = z.infer<typeof TraefikChange>

export const TraefikLabels = z.object({
  include: TraefikInclude,
  /** The chain the router uses, with the provider suffix (`authentik@file`). */
  middleware: z.string(),
  /** `key=value` label strings. */
  labels: z.array(z.string()),
  /** The same as a `labels:` block to paste under a service in docker-compose.yml. */
  compose: z.string(),
})
export type TraefikLabels = z.infer<typeof TraefikLabels>

export const TraefikPlan = z.object({
  path: z.string(),
  exists: z.boolean(),
  changes: z.array(TraefikChange),
  /** Unified diff of the file before/after ('' when nothing changes). */
  diff: z.string(),
  /** Whether the file defines default-security-headers (before this plan). */
  hasSecurityHeaders: z.boolean(),
  /** Gatehouse's suggested default-security-headers middleware as YAML. */
  suggestedSecurityHeaders: z.string(),
  labels: z.array(TraefikLabels),
  /** Things the admin should know before applying (missing security headers, reloads). */
  notes: z.array(z.string()),
  planHash: z.string(),
})
export type TraefikPlan = z.infer<typeof TraefikPlan>

export const TraefikApplyResult = z.object({
  path: z.string(),
  /** The copy of the previous file; null when nothing was written or the file was new. */
  backupPath: z.string().nullable(),
  written: z.boolean(),
  changes: z.array(TraefikChange),
})
export type TraefikApplyResult = z.infer<typeof TraefikApplyResult>

export const traefik = {
  plan: method({
    summary:
      "Preview Gatehouse's middlewares merged into Traefik's dynamic_config.yml (diff + hash)",
    input: TraefikPlanInput,
    output: TraefikPlan,
  }),
  apply: method({
    summary:
      'Write the planned merge into dynamic_config.yml (backup first) if the file is unchanged',
    input: TraefikApplyInput,
    output: TraefikApplyResult,
  }),
}
