/**
 * The parameters every OIDC integration (R11–R14) shares, declared once: the provider's and the
 * application's names, how redirect URIs match, and the admin's extra redirect URIs. Each
 * integration adds its app's address before them and its own parameters in between.
 */
import { z } from 'zod'
import type { Ref } from '../reconcile/desired'
import { labelled, nameParam, slugParam } from '../recipes/param-fields'
import type { OidcSpec } from './oauth2'

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
export function oidcParams<A extends z.ZodRawShape, O extends z.ZodRawShape>(
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
}

/** The provider to build: the app's own redirect URIs, then the admin's extra ones. */
export const oidcSpec = (
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
