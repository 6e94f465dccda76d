/** R12: Synology DSM over OIDC (guide: "Synology"); DSM's SSO client needs DSM 7.2 or newer. */
import { z } from 'zod'
import { appSubdomain } from './integration'
import * as oidc from './oidc'

const Params = z.strictObject(
  oidc.params(
    appSubdomain(
      'nas',
      'DSM subdomain',
      'DSM runs at https://<subdomain>.{domain} (as in your Traefik dynamic_config.yml).',
    ),
    { provider: 'Synology Provider', application: 'NAS', slug: 'nas' },
    {},
  ),
)
type Params = z.infer<typeof Params>

const redirectOf = (p: Params, domain: string) => `https://${p.subdomain}.${domain}/#/signin`

const spec = (p: Params, domain: string) => oidc.spec(p, [redirectOf(p, domain)])

export const r12Synology = oidc.define({
  id: 'synology',
  recipe: 'R12',
  title: 'Synology DSM',
  summary:
    "An OAuth2/OpenID provider (subject = username) and the NAS application for DSM's OpenID Connect SSO client (DSM 7.2 or newer).",
  params: Params,
  desired: (p, ctx) => oidc.desired(spec(p, ctx.domain), ctx),
  card: (p, ctx) => ({
    title: 'DSM → Control Panel → Domain/LDAP → SSO Client → OpenID Connect SSO Settings',
    values: [
      { key: 'name', label: 'Name', value: 'Authentik' },
      {
        key: 'wellknown',
        label: 'Wellknown URL',
        value: oidc.discoveryUrl(ctx.authentikHost, p.applicationSlug),
      },
      ...oidc.clientValues(p, ctx, {
        id: 'Application ID',
        secret: 'Application Key',
      }),
      { key: 'redirect', label: 'Redirect URL', value: redirectOf(p, ctx.domain) },
      { key: 'scope', label: 'Authorization scope', value: 'openid profile email' },
      { key: 'usernameClaim', label: 'Username claim', value: 'preferred_username' },
    ],
    checklist: [
      'DSM 7.2 or newer is required: older DSM releases do not work properly with this SSO client.',
      'Control Panel → Domain/LDAP → SSO Client: check "Enable OpenID Connect SSO service".',
      'Open "OpenID Connect SSO Settings" and paste the values above.',
      oidc.checklistTail(p.applicationSlug),
    ],
    notes: ['Requires DSM 7.2 or newer.'],
  }),
  checks: (p, ctx) => oidc.check(p, 'DSM discovery and redirect URI', [redirectOf(p, ctx.domain)]),
})
