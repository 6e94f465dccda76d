/** R13: Immich over OIDC (guide: "Immich"): web login, user settings and the mobile app. */
import { z } from 'zod'
import { labelled } from '../recipes/param-fields'
import { appSubdomain } from './integration'
import * as oidc from './oidc'

export const IMMICH_MOBILE_REDIRECT = 'app.immich://oauth-callback'

const Params = z.strictObject(
  oidc.params(
    appSubdomain('immich', 'Immich subdomain', 'Immich runs at https://<subdomain>.{domain}.'),
    { provider: 'Immich Provider', application: 'Immich', slug: 'immich' },
    {
      /** The mobile app returns through its own URL scheme. */
      mobileApp: labelled(
        z.boolean().default(true),
        `Allow the mobile app (${IMMICH_MOBILE_REDIRECT})`,
      ),
    },
  ),
)
type Params = z.infer<typeof Params>

const webRedirects = (p: Params, domain: string) => [
  `https://${p.subdomain}.${domain}/auth/login`,
  `https://${p.subdomain}.${domain}/user-settings`,
]
/** What Immich itself sends (the admin's extra redirect URIs come on top). */
const appRedirects = (p: Params, domain: string) => [
  ...webRedirects(p, domain),
  ...(p.mobileApp ? [IMMICH_MOBILE_REDIRECT] : []),
]

const spec = (p: Params, domain: string) => oidc.spec(p, appRedirects(p, domain))

export const r13Immich = oidc.define({
  id: 'immich',
  recipe: 'R13',
  title: 'Immich',
  summary:
    'An OAuth2/OpenID provider with the web and mobile redirect URIs, and the immich application.',
  params: Params,
  desired: (p, ctx) => oidc.desired(spec(p, ctx.domain), ctx),
  card: (p, ctx) => ({
    title: 'Immich → Administration → Settings → Authentication Settings → OAuth',
    values: [
      {
        key: 'issuer',
        label: 'ISSUER_URL',
        value: oidc.issuerUrl(ctx.authentikHost, p.applicationSlug),
      },
      ...oidc.clientValues(p, ctx, { id: 'CLIENT_ID', secret: 'CLIENT_SECRET' }),
      { key: 'autoLaunch', label: 'AUTO LAUNCH', value: 'ON' },
      ...spec(p, ctx.domain).redirectUris.map((url, i) => ({
        key: `redirect${i}`,
        label: `Redirect URI ${i + 1} (for reference)`,
        value: url,
      })),
    ],
    checklist: [
      'Log in to Immich with the admin account set up first.',
      'Administration → Settings → Authentication Settings → OAuth: enable "Login with OAuth".',
      'Paste ISSUER_URL, CLIENT_ID and CLIENT_SECRET, turn AUTO LAUNCH on, and Save.',
      oidc.checklistTail(p.applicationSlug),
    ],
    notes: [],
  }),
  checks: (p, ctx) =>
    oidc.check(
      p,
      'Immich discovery and redirect URIs',
      appRedirects(p, ctx.domain).filter((u) => !p.extraRedirectUris.includes(u)),
    ),
})
