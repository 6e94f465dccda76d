/**
 * What every app integration (R10–R14) is: a form whose parameters become desired Authentik
 * objects (planned and applied by the reconciler, like the setup recipes), the applications and
 * providers it owns (for name collisions, renames and removal), the values the app's own admin
 * page needs, and the live checks that prove the two sides meet.
 */
import { z } from 'zod'
import type {
  IntegrationCard,
  IntegrationId,
  IntegrationInfo,
} from '../../shared/contract/integrations'
import type { DesiredObject, FieldValue } from '../reconcile/desired'
import { kinds, type ResourceKind } from '../reconcile/kinds'
import { labelled } from '../recipes/param-fields'
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
  /** The parameters, labelled for the form (src/main/recipes/param-form.ts). */
  readonly params: z.ZodType<P>
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
  /** Parameters safe to store (no password); without it, all of them. */
  storable?(params: P): Record<string, unknown>
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

/**
 * An Authentik object an integration creates, found by its name: present while the integration
 * is configured, absent when it is removed (or, for shared objects, removed with it).
 */
export const named = (
  key: string,
  kind: ResourceKind,
  name: string,
  ensure: 'present' | 'absent',
  fields?: Record<string, FieldValue>,
): DesiredObject => ({
  key,
  kind,
  ensure,
  identity: { name },
  query: { name },
  ...(fields ? { fields } : {}),
})

/** A group an integration creates (see `named`). */
export const namedGroup = (key: string, name: string, ensure: 'present' | 'absent') =>
  named(key, kinds.group, name, ensure)

/** The app's address field: one subdomain of the admin's domain, first in the form. */
export const appSubdomain = (fallback: string, label: string, help: string) => ({
  subdomain: labelled(subdomain(fallback), { label, help }),
})
