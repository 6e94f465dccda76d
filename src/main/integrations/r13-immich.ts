/** R13: Immich over OIDC (guide: "Immich"): web login, user settings and the mobile app. */
import { z } from 'zod'
import {
  defineIntegration,
  extraRedirectsFormField,
  matchingField,
  matchingFormField,
  nameField,
  redirectUriList,
  slugField,
  subdomain,
} from './integration'
import {
  clientValues,
  issuerUrl,
  oidcChecklistTail,
  oidcDefaults,
  oidcOwned,
  oidcProviderAndApp,
  type OidcSpec,
} from './oauth2'

export const IMMICH_MOBILE_REDIRECT = 'app.immich://oauth-callback'

const Params = z.strictObject({
  subdomain: subdomain('immich'),
  providerName: nameField('Immich Provider'),
  applicationName: nameField('Immich'),
  applicationSlug: slugField('immich'),
  /** The mobile app returns through its own URL scheme. */
  mobileApp: z.boolean().default(true),
  matching: matchingField,
  extraRedirectUris: redirectUriList,
})
type Params = z.infer<typeof Params>

const webRedirects = (p: Params, domain: string) => [
  `https://${p.subdomain}.${domain}/auth/login`,
  `https://${p.subdomain}.${domain}/user-settings`,
]
const redirects = (p: Params, domain: string) => [
  ...webRedirects(p, domain),
  ...(p.mobileApp ? [IMMICH_MOBILE_REDIRECT] : []),
  ...p.extraRedirectUris,
]

const spec = (p: Params, domain: string): OidcSpec => ({
  providerName: p.providerName,
  applicationName: p.applicationName,
  applicationSlug: p.applicationSlug,
  redirectUris: redirects(p, domain),
  matching: p.matching,
})

export const r13Immich = defineIntegration({
  id: 'immich',
  recipe: 'R13',
  title: 'Immich',
  protocol: 'oidc',
  summary:
    'An OAuth2/OpenID provider with the web and mobile redirect URIs, and the immich application.',
  params: Params,
  form: (domain) => [
    {
      key: 'subdomain',
      label: 'Immich subdomain',
      kind: 'text',
      default: 'immich',
      help: `Immich runs at https://<subdomain>.${domain}.`,
    },
    { key: 'providerName', label: 'Provider name', kind: 'text', default: 'Immich Provider' },
    { key: 'applicationName', label: 'Application name', kind: 'text', default: 'Immich' },
    { key: 'applicationSlug', label: 'Application slug', kind: 'text', default: 'immich' },
    {
      key: 'mobileApp',
      label: `Allow the mobile app (${IMMICH_MOBILE_REDIRECT})`,
      kind: 'boolean',
      default: true,
    },
    matchingFormField,
    extraRedirectsFormField,
  ],
  desired: (p, ctx) => [...oidcDefaults(), ...oidcProviderAndApp(spec(p, ctx.domain), ctx)],
  owned: (p) => oidcOwned(spec(p, '')),
  shared: () => [],
  card: (p, ctx) => ({
    title: 'Immich → Administration → Settings → Authentication Settings → OAuth',
    values: [
      {
        key: 'issuer',
        label: 'ISSUER_URL',
        value: issuerUrl(ctx.authentikHost, p.applicationSlug),
      },
      ...clientValues(spec(p, ctx.domain), ctx, { id: 'CLIENT_ID', secret: 'CLIENT_SECRET' }),
      { key: 'autoLaunch', label: 'AUTO LAUNCH', value: 'ON' },
      ...redirects(p, ctx.domain).map((url, i) => ({
        key: `redirect${i}`,
        label: `Redirect URI ${i + 1} (for reference)`,
        value: url,
      })),
    ],
    checklist: [
      'Log in to Immich with the admin account set up first.',
      'Administration → Settings → Authentication Settings → OAuth: enable "Login with OAuth".',
      'Paste ISSUER_URL, CLIENT_ID and CLIENT_SECRET, turn AUTO LAUNCH on, and Save.',
      oidcChecklistTail(p.applicationSlug),
    ],
    notes: [],
  }),
  checks: (p, ctx) => [
    {
      type: 'oidc',
      title: 'Immich discovery and redirect URIs',
      slug: p.applicationSlug,
      providerName: p.providerName,
      redirectUris: redirects(p, ctx.domain).filter((u) => !p.extraRedirectUris.includes(u)),
    },
  ],
  storable: (p) => ({ ...p }),
})
