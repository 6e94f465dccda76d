/**
 * The OAuth2/OpenID provider every OIDC integration (R11–R14) builds, as API map step L describes
 * it: implicit consent, the invalidation flow the API requires, a confidential client, redirect
 * URIs as `{matching_mode, url}` objects, the default openid/email/profile scope mappings found by
 * their managed keys, the self-signed certificate as signing key (RS256 tokens instead of HS256
 * with the client secret), subject = username, claims in the id_token, and a per-application
 * issuer. The client secret is never a managed field: Authentik generates it, Gatehouse copies it
 * into the keychain, so no plan ever shows it.
 */
import type { CardValue } from '../../shared/contract/integrations'
import { parseVersion, compareVersions } from '../authentik/version'
import { ref, owned, type DesiredObject, type Ref } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import { applicationOf, existing, existingFlow, slugs } from '../recipes/defaults'
import type { RecipeContext } from '../recipes/recipe'
import { named, type CardContext, type CheckTarget, type OwnedApp } from './integration'

export const SELF_SIGNED_CERTIFICATE = 'authentik Self-signed Certificate'

export const SCOPE_MANAGED = {
  openid: 'goauthentik.io/providers/oauth2/scope-openid',
  email: 'goauthentik.io/providers/oauth2/scope-email',
  profile: 'goauthentik.io/providers/oauth2/scope-profile',
} as const

export interface OidcSpec {
  providerName: string
  applicationName: string
  applicationSlug: string
  redirectUris: readonly string[]
  matching: 'strict' | 'regex'
  /** Further scope mappings of the same recipe (R11's Nextcloud Profile). */
  extraMappings?: readonly Ref[]
}

/** Regex metacharacters escaped (dots above all), anchored: what "regex" mode should match. */
export function redirectRegex(url: string): string {
  return `^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`
}

/** Authentik 2026.5 added `redirect_uri_type` to the object; it is echoed back, so send it too. */
function hasRedirectUriType(version: string): boolean {
  const parsed = parseVersion(version)
  return parsed !== null && compareVersions(parsed, { year: 2026, minor: 5, patch: 0 }) >= 0
}

export function redirectUriObjects(spec: OidcSpec, version: string) {
  const typed = hasRedirectUriType(version)
  return spec.redirectUris.map((url) => ({
    matching_mode: spec.matching,
    url: spec.matching === 'regex' ? redirectRegex(url) : url,
    ...(typed ? { redirect_uri_type: 'authorization' } : {}),
  }))
}

/** The default objects every OIDC provider refers to (a fresh install has them). */
function oidcDefaults(): DesiredObject[] {
  return [
    existingFlow('flow:implicit-consent', slugs.implicitConsent),
    existingFlow('flow:provider-invalidation', slugs.providerInvalidation),
    existing(
      'certificate',
      kinds.certificate,
      { name: SELF_SIGNED_CERTIFICATE },
      undefined,
      // has_key: only a pair with a private key can sign.
      { name: SELF_SIGNED_CERTIFICATE, has_key: true },
    ),
    ...Object.entries(SCOPE_MANAGED).map(([scope, managed]) =>
      existing(`mapping:${scope}`, kinds.scopeMapping, { managed }),
    ),
  ]
}

/**
 * Every object of an OIDC integration's provider, in apply order: the defaults it refers to,
 * then `between` (the integration's own groups and mappings, which the provider or its
 * application may refer to), then the provider and the application.
 */
export const oidcDesired = (
  spec: OidcSpec,
  ctx: RecipeContext,
  between: readonly DesiredObject[] = [],
): DesiredObject[] => [...oidcDefaults(), ...between, ...oidcProviderAndApp(spec, ctx)]

function oidcProviderAndApp(spec: OidcSpec, ctx: RecipeContext): DesiredObject[] {
  return [
    named('provider', kinds.oauth2Provider, spec.providerName, 'present', {
      authorization_flow: ref('flow:implicit-consent'),
      // Required by the API; the admin UI fills it in silently, the guide never mentions it.
      invalidation_flow: ref('flow:provider-invalidation'),
      client_type: 'confidential',
      redirect_uris: redirectUriObjects(spec, ctx.version),
      // Owned: the admin may add offline_access or their own mappings; those stay.
      property_mappings: owned([
        ref('mapping:openid'),
        ref('mapping:email'),
        ref('mapping:profile'),
        ...(spec.extraMappings ?? []),
      ]),
      sub_mode: 'user_username',
      include_claims_in_id_token: true,
      signing_key: ref('certificate'),
      // The discovery/issuer URL the guide gives contains the application slug.
      issuer_mode: 'per_provider',
    }),
    applicationOf('provider', spec.applicationSlug, spec.applicationName),
  ]
}

type OidcNames = Pick<OidcSpec, 'providerName' | 'applicationName' | 'applicationSlug'>

export const oidcOwned = (p: OidcNames): OwnedApp[] => [
  {
    slug: p.applicationSlug,
    name: p.applicationName,
    providerName: p.providerName,
    providerKind: kinds.oauth2Provider,
    fields: { slug: 'applicationSlug', name: 'applicationName', providerName: 'providerName' },
  },
]

export const issuerUrl = (authentikHost: string, slug: string) =>
  `${authentikHost}/application/o/${slug}/`
export const discoveryUrl = (authentikHost: string, slug: string) =>
  `${issuerUrl(authentikHost, slug)}.well-known/openid-configuration`

/** The client id (read from Authentik) and the client secret (behind reveal). */
export function clientValues(
  p: Pick<OidcSpec, 'providerName'>,
  ctx: CardContext,
  labels: { id: string; secret: string } = { id: 'Client ID', secret: 'Client secret' },
): CardValue[] {
  return [
    {
      key: 'clientId',
      label: labels.id,
      value: ctx.live.clientIds[p.providerName] ?? null,
      ...(ctx.live.clientIds[p.providerName]
        ? {}
        : { help: 'Authentik generates it when the provider is created: apply first.' }),
    },
    {
      key: 'clientSecret',
      label: labels.secret,
      value: null,
      secret: 'clientSecret',
      help: 'Kept in your OS keychain; reveal it only to paste it.',
    },
  ]
}

export const oidcChecklistTail = (slug: string) =>
  `Press Check: Gatehouse fetches the discovery document of "${slug}" and compares the redirect URIs.`

/** The live check of an OIDC app: its discovery document and the redirect URIs it will send. */
export const oidcCheck = (
  p: Pick<OidcSpec, 'providerName' | 'applicationSlug'>,
  title: string,
  redirectUris: string[],
): CheckTarget[] => [
  { type: 'oidc', title, slug: p.applicationSlug, providerName: p.providerName, redirectUris },
]
