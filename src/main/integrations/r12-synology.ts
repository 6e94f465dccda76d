/** R12: Synology DSM over OIDC (guide: "Synology"); DSM's SSO client needs DSM 7.2 or newer. */
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
  discoveryUrl,
  oidcChecklistTail,
  oidcDefaults,
  oidcOwned,
  oidcProviderAndApp,
  type OidcSpec,
} from './oauth2'

const Params = z.strictObject({
  subdomain: subdomain('nas'),
  providerName: nameField('Synology Provider'),
  applicationName: nameField('NAS'),
  applicationSlug: slugField('nas'),
  matching: matchingField,
  extraRedirectUris: redirectUriList,
})
type Params = z.infer<typeof Params>

const redirectOf = (p: Params, domain: string) => `https://${p.subdomain}.${domain}/#/signin`

const spec = (p: Params, domain: string): OidcSpec => ({
  providerName: p.providerName,
  applicationName: p.applicationName,
  applicationSlug: p.applicationSlug,
  redirectUris: [redirectOf(p, domain), ...p.extraRedirectUris],
  matching: p.matching,
})

export const r12Synology = defineIntegration({
  id: 'synology',
  recipe: 'R12',
  title: 'Synology DSM',
  protocol: 'oidc',
  summary:
    "An OAuth2/OpenID provider (subject = username) and the NAS application for DSM's OpenID Connect SSO client (DSM 7.2 or newer).",
  params: Params,
  form: (domain) => [
    {
      key: 'subdomain',
      label: 'DSM subdomain',
      kind: 'text',
      default: 'nas',
      help: `DSM runs at https://<subdomain>.${domain} (as in your Traefik dynamic_config.yml).`,
    },
    { key: 'providerName', label: 'Provider name', kind: 'text', default: 'Synology Provider' },
    { key: 'applicationName', label: 'Application name', kind: 'text', default: 'NAS' },
    { key: 'applicationSlug', label: 'Application slug', kind: 'text', default: 'nas' },
    matchingFormField,
    extraRedirectsFormField,
  ],
  desired: (p, ctx) => [...oidcDefaults(), ...oidcProviderAndApp(spec(p, ctx.domain), ctx)],
  owned: (p) => oidcOwned(spec(p, '')),
  shared: () => [],
  card: (p, ctx) => ({
    title: 'DSM → Control Panel → Domain/LDAP → SSO Client → OpenID Connect SSO Settings',
    values: [
      { key: 'name', label: 'Name', value: 'Authentik' },
      {
        key: 'wellknown',
        label: 'Wellknown URL',
        value: discoveryUrl(ctx.authentikHost, p.applicationSlug),
      },
      ...clientValues(spec(p, ctx.domain), ctx, {
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
      oidcChecklistTail(p.applicationSlug),
    ],
    notes: ['Requires DSM 7.2 or newer.'],
  }),
  checks: (p, ctx) => [
    {
      type: 'oidc',
      title: 'DSM discovery and redirect URI',
      slug: p.applicationSlug,
      providerName: p.providerName,
      redirectUris: [redirectOf(p, ctx.domain)],
    },
  ],
  storable: (p) => ({ ...p }),
})
