/**
 * The OIDC block every OIDC integration (R11–R14) is built from, imported as one namespace
 * (`import * as oidc from './oidc'`): the shared parameters (the provider's and the application's
 * names, how redirect URIs match, the admin's extra redirect URIs; each integration adds its app's
 * address before them and its own parameters in between), the provider they make, the desired
 * objects (oauth2.ts), the card's client values and the live check.
 */
import { z } from 'zod'
import type { Ref } from '../reconcile/desired'
import { labelled, nameParam, slugParam } from '../recipes/param-fields'
import { accessParams } from './access'
import type { Integration } from './integration'
import { oidcOwned, type OidcSpec } from './oauth2'

export {
  clientValues,
  discoveryUrl,
  issuerUrl,
  oidcCheck as check,
  oidcChecklistTail as checklistTail,
  oidcDesired as desired,
} from './oauth2'

/**
 * A redirect URI an OAuth2 client may use: an absolute URL with a scheme, which may be a custom
 * one for mobile apps (`app.immich://oauth-callback`).
 */
export function redirectUriProblem(value: string): string | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(value) || !URL.canParse(value))
    return 'Not a URL: use an absolute address such as https://app.example.org/callback (custom schemes like app.example:// are fine).'
  return null
}

const redirectUriList = z
  .array(z.string().trim())
  .max(20)
  .default([])
  .superRefine((values, ctx) => {
    values.forEach((value, index) => {
      const problem = redirectUriProblem(value)
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [index] })
    })
  })

const matching = labelled(z.enum(['strict', 'regex']).default('strict'), {
  label: 'Redirect URI matching',
  options: [
    { value: 'strict', label: 'strict (exact address)' },
    { value: 'regex', label: 'regex (dots escaped, anchored)' },
  ],
  help: 'Strict is what the app sends; regex only when the app varies the address.',
})

const extraRedirectUris = labelled(redirectUriList, {
  label: 'More redirect URIs',
  help: 'Other addresses the app may return to (e.g. a second host name).',
})

/** The names the guide gives the provider and the application of an app. */
export interface OidcNames {
  provider: string
  application: string
  slug: string
}

/**
 * The parameter shape of an OIDC integration, in the form's order: `address` (where the app
 * runs), the provider and application names, `own` parameters, then the redirect URI options.
 */
export function params<A extends z.ZodRawShape, O extends z.ZodRawShape>(
  address: A,
  names: OidcNames,
  own: O,
) {
  return {
    ...address,
    providerName: nameParam(names.provider, 'Provider name'),
    applicationName: nameParam(names.application, 'Application name'),
    applicationSlug: slugParam(names.slug, 'Application slug', { trim: true }),
    ...own,
    ...accessParams,
    matching,
    extraRedirectUris,
  }
}

/** What every OIDC integration's parsed parameters hold. */
export interface OidcParams {
  providerName: string
  applicationName: string
  applicationSlug: string
  matching: 'strict' | 'regex'
  extraRedirectUris: string[]
  allowedGroups: string[]
}

/** The provider to build: the app's own redirect URIs, then the admin's extra ones. */
export const spec = (
  p: OidcParams,
  appRedirectUris: readonly string[],
  extraMappings?: readonly Ref[],
): OidcSpec => ({
  providerName: p.providerName,
  applicationName: p.applicationName,
  applicationSlug: p.applicationSlug,
  redirectUris: [...appRedirectUris, ...p.extraRedirectUris],
  matching: p.matching,
  ...(extraMappings ? { extraMappings } : {}),
})

/**
 * An OIDC integration: it owns one application and its OAuth2 provider, named by the shared
 * parameters, and shares nothing with other apps unless it says so.
 */
export const define = <P extends OidcParams>(
  integration: Omit<Integration<P>, 'protocol' | 'owned' | 'shared'> &
    Partial<Pick<Integration<P>, 'shared'>>,
): Integration<P> => ({
  protocol: 'oidc',
  owned: (p) => oidcOwned(p),
  shared: () => [],
  ...integration,
})
