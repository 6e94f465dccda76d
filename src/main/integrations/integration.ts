/**
 * What every app integration (R10–R14) is: a form whose parameters become desired Authentik
 * objects (planned and applied by the reconciler, like the setup recipes), the applications and
 * providers it owns (for name collisions, renames and removal), the values the app's own admin
 * page needs, and the live checks that prove the two sides meet.
 */
import { z } from 'zod'
import type {
  IntegrationCard,
  IntegrationFormField,
  IntegrationId,
  IntegrationInfo,
} from '../../shared/contract/integrations'
import type { DesiredObject } from '../reconcile/desired'
import { kinds, type ResourceKind } from '../reconcile/kinds'
import type { RecipeContext } from '../recipes/recipe'
import { appNameProblem } from '../traefik/labels'

/** An application and its provider as the integration owns them. */
export interface OwnedApp {
  slug: string
  name: string
  providerName: string
  providerKind: ResourceKind
  /** Form fields to blame when the slug / name / provider name collides. */
  fields: { slug: string; name: string; providerName: string }
}

/** What the live check looks at. */
export type CheckTarget =
  | {
      type: 'oidc'
      title: string
      slug: string
      providerName: string
      /** The redirect URIs the app will send (as the admin will configure it). */
      redirectUris: string[]
    }
  | { type: 'forward-auth'; title: string; url: string }

/** Values read from Authentik that the card shows (never a secret's value). */
export interface LiveValues {
  /** Provider name → client id. */
  clientIds: Record<string, string>
}

export interface Integration<P = unknown> {
  readonly id: IntegrationId
  readonly recipe: string
  readonly title: string
  readonly protocol: IntegrationInfo['protocol']
  readonly summary: string
  readonly params: z.ZodType<P>
  form(domain: string): IntegrationFormField[]
  appPresets?: IntegrationInfo['appPresets']
  desired(params: P, ctx: RecipeContext): DesiredObject[]
  /** Applications/providers created for these parameters (deleted on removal). */
  owned(params: P): OwnedApp[]
  /** Objects created for the integration that other apps may use too (kept unless asked). */
  shared(params: P, ctx: RecipeContext): DesiredObject[]
  card(params: P, ctx: CardContext): IntegrationCard
  checks(params: P, ctx: CardContext): CheckTarget[]
  /** Keychain secrets this integration keeps (besides an OAuth2 client secret). */
  passwords?(params: P): {
    ref: string
    value: string | undefined
    field: string
    /** Where Authentik keeps it too (a group attribute), if anywhere. */
    attribute?: string
  }[]
  /** Fills passwords the form left empty from the keychain; returns field errors for the rest. */
  withPasswords?(params: P, stored: Record<string, string | null>): P
  /** Parameters safe to store (no password). */
  storable(params: P): Record<string, unknown>
}

export interface CardContext {
  domain: string
  authentikHost: string
  live: LiveValues
}

export type AnyIntegration = Integration<never> & { readonly params: z.ZodType }
export const defineIntegration = <P>(i: Integration<P>): Integration<P> => i

/** A subdomain is one DNS label (it is also the Traefik router name). */
export const subdomain = (fallback: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .default(fallback)
    .superRefine((value, ctx) => {
      const problem = appNameProblem(value)
      if (problem) ctx.addIssue({ code: 'custom', message: `Not a DNS label. ${problem}` })
    })

export const slugField = (fallback: string) =>
  z
    .string()
    .trim()
    .regex(/^[-a-z0-9_]+$/, 'Use lower-case letters, digits, - and _ only.')
    .max(50)
    .default(fallback)

export const nameField = (fallback: string) => z.string().trim().min(1).max(200).default(fallback)

/**
 * A redirect URI an OAuth2 client may use: an absolute URL with a scheme, which may be a custom
 * one for mobile apps (`app.immich://oauth-callback`).
 */
export function redirectUriProblem(value: string): string | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(value) || !URL.canParse(value))
    return 'Not a URL: use an absolute address such as https://app.example.org/callback (custom schemes like app.example:// are fine).'
  return null
}

export const redirectUriList = z
  .array(z.string().trim())
  .max(20)
  .default([])
  .superRefine((values, ctx) => {
    values.forEach((value, index) => {
      const problem = redirectUriProblem(value)
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [index] })
    })
  })

export const matchingField = z.enum(['strict', 'regex']).default('strict')

export const matchingFormField: IntegrationFormField = {
  key: 'matching',
  label: 'Redirect URI matching',
  kind: 'select',
  default: 'strict',
  options: [
    { value: 'strict', label: 'strict (exact address)' },
    { value: 'regex', label: 'regex (dots escaped, anchored)' },
  ],
  help: 'Strict is what the app sends; regex only when the app varies the address.',
}

export const extraRedirectsFormField: IntegrationFormField = {
  key: 'extraRedirectUris',
  label: 'More redirect URIs',
  kind: 'lines',
  default: [],
  help: 'Other addresses the app may return to (e.g. a second host name).',
}

/**
 * An Authentik group an integration creates, found by its name: present while the integration is
 * configured, absent when its shared objects are removed with it.
 */
export const namedGroup = (
  key: string,
  name: string,
  ensure: 'present' | 'absent',
): DesiredObject => ({ key, kind: kinds.group, ensure, identity: { name }, query: { name } })
