/** R14: InvenTree over generic OIDC (guide: "Inventree"), through django-allauth's social app. */
import { z } from 'zod'
import type { DesiredObject } from '../reconcile/desired'
import {
  defineIntegration,
  extraRedirectsFormField,
  matchingField,
  matchingFormField,
  nameField,
  namedGroup,
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

/** The provider id set in InvenTree's social application; it is part of the callback path. */
export const INVENTREE_PROVIDER_ID = 'authentik'

const Params = z
  .strictObject({
    subdomains: z.array(subdomain('inventree')).min(1).max(5).default(['parts', 'inventree']),
    providerName: nameField('Inventree Provider'),
    applicationName: nameField('Inventree'),
    applicationSlug: slugField('inventree'),
    /** Authentik groups that InvenTree's SSO group map turns into its Users / Admins groups. */
    createGroups: z.boolean().default(true),
    usersGroup: nameField('inventree Users'),
    adminsGroup: nameField('inventree Admins'),
    matching: matchingField,
    extraRedirectUris: redirectUriList,
  })
  .superRefine((p, ctx) => {
    p.subdomains.forEach((s, i) => {
      if (p.subdomains.indexOf(s) !== i)
        ctx.addIssue({ code: 'custom', message: 'Listed twice.', path: ['subdomains', i] })
    })
  })
type Params = z.infer<typeof Params>

const redirectsOf = (p: Params, domain: string) =>
  p.subdomains.map(
    (s) => `https://${s}.${domain}/accounts/${INVENTREE_PROVIDER_ID}/login/callback/`,
  )

const spec = (p: Params, domain: string): OidcSpec => ({
  providerName: p.providerName,
  applicationName: p.applicationName,
  applicationSlug: p.applicationSlug,
  redirectUris: [...redirectsOf(p, domain), ...p.extraRedirectUris],
  matching: p.matching,
})

const groups = (p: Params, ensure: 'present' | 'absent'): DesiredObject[] => [
  namedGroup('group:users', p.usersGroup, ensure),
  namedGroup('group:admins', p.adminsGroup, ensure),
]

export const r14Inventree = defineIntegration({
  id: 'inventree',
  recipe: 'R14',
  title: 'InvenTree',
  protocol: 'oidc',
  summary:
    'An OAuth2/OpenID provider with the allauth callback URIs, the inventree application, and the groups InvenTree maps to its Users and Admins.',
  params: Params,
  form: (domain) => [
    {
      key: 'subdomains',
      label: 'InvenTree subdomains',
      kind: 'lines',
      default: ['parts', 'inventree'],
      help: `Every https://<subdomain>.${domain} InvenTree answers on gets a callback URI.`,
    },
    { key: 'providerName', label: 'Provider name', kind: 'text', default: 'Inventree Provider' },
    { key: 'applicationName', label: 'Application name', kind: 'text', default: 'Inventree' },
    { key: 'applicationSlug', label: 'Application slug', kind: 'text', default: 'inventree' },
    {
      key: 'createGroups',
      label: 'Create the Authentik groups for the group map',
      kind: 'boolean',
      default: true,
    },
    { key: 'usersGroup', label: 'Users group', kind: 'text', default: 'inventree Users' },
    { key: 'adminsGroup', label: 'Admins group', kind: 'text', default: 'inventree Admins' },
    matchingFormField,
    extraRedirectsFormField,
  ],
  desired: (p, ctx) => [
    ...oidcDefaults(),
    ...(p.createGroups ? groups(p, 'present') : []),
    ...oidcProviderAndApp(spec(p, ctx.domain), ctx),
  ],
  owned: (p) => oidcOwned(spec(p, '')),
  shared: (p) => (p.createGroups ? groups(p, 'absent') : []),
  card: (p, ctx) => {
    const host = `https://${p.subdomains.at(-1) ?? 'inventree'}.${ctx.domain}`
    return {
      title: 'InvenTree → System Settings (SSO) and Django admin → Social applications',
      values: [
        {
          key: 'groupMap',
          label: 'SSO group map',
          value: JSON.stringify({ [p.usersGroup]: 'Users', [p.adminsGroup]: 'Admins' }),
          group: 'System Settings',
        },
        {
          key: 'groupOnSignup',
          label: 'Group on signup',
          value: 'Users',
          group: 'System Settings',
        },
        {
          key: 'provider',
          label: 'Provider',
          value: 'OpenID Connect',
          group: 'Social application',
        },
        {
          key: 'providerId',
          label: 'Provider ID',
          value: INVENTREE_PROVIDER_ID,
          group: 'Social application',
        },
        { key: 'name', label: 'Name', value: 'Authentik', group: 'Social application' },
        ...clientValues(spec(p, ctx.domain), ctx, { id: 'Client id', secret: 'Secret key' }).map(
          (v) => ({ ...v, group: 'Social application' }),
        ),
        {
          key: 'settings',
          label: 'Settings',
          value: JSON.stringify({ server_url: issuerUrl(ctx.authentikHost, p.applicationSlug) }),
          group: 'Social application',
        },
        {
          key: 'djangoAdmin',
          label: 'Django admin',
          value: `${host}/admin/`,
          group: 'Social application',
        },
      ],
      checklist: [
        'Admin Center → Users / Access → Groups: add the groups "Admins" and "Users".',
        'System Settings: turn ON Enable SSO, Enable SSO registration, Auto-fill SSO users, Enable SSO group sync, Remove groups outside of SSO.',
        'System Settings: turn OFF Enable registration.',
        'Set "SSO group map" and "Group on signup" to the values above.',
        `Django admin (${host}/admin/) → Social accounts → Social applications → Add, with the values above.`,
        `Put users into "${p.usersGroup}" or "${p.adminsGroup}" in Authentik.`,
        oidcChecklistTail(p.applicationSlug),
      ],
      notes: [],
    }
  },
  checks: (p, ctx) => [
    {
      type: 'oidc',
      title: 'InvenTree discovery and callback URIs',
      slug: p.applicationSlug,
      providerName: p.providerName,
      redirectUris: redirectsOf(p, ctx.domain),
    },
  ],
  storable: (p) => ({ ...p }),
})
