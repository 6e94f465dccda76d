/** R14: InvenTree over generic OIDC (guide: "Inventree"), through django-allauth's social app. */
import { z } from 'zod'
import type { DesiredObject } from '../reconcile/desired'
import { labelled, nameParam } from '../recipes/param-fields'
import { namedGroup, subdomain } from './integration'
import * as oidc from './oidc'

/** The provider id set in InvenTree's social application; it is part of the callback path. */
export const INVENTREE_PROVIDER_ID = 'authentik'

const Params = z
  .strictObject(
    oidc.params(
      {
        subdomains: labelled(
          z.array(subdomain('inventree')).min(1).max(5).default(['parts', 'inventree']),
          {
            label: 'InvenTree subdomains',
            help: 'Every https://<subdomain>.{domain} InvenTree answers on gets a callback URI.',
          },
        ),
      },
      { provider: 'Inventree Provider', application: 'Inventree', slug: 'inventree' },
      {
        /** Authentik groups that InvenTree's SSO group map turns into its Users / Admins groups. */
        createGroups: labelled(
          z.boolean().default(true),
          'Create the Authentik groups for the group map',
        ),
        usersGroup: nameParam('inventree Users', 'Users group'),
        adminsGroup: nameParam('inventree Admins', 'Admins group'),
      },
    ),
  )
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

const spec = (p: Params, domain: string) => oidc.spec(p, redirectsOf(p, domain))

const groups = (p: Params, ensure: 'present' | 'absent'): DesiredObject[] => [
  namedGroup('group:users', p.usersGroup, ensure),
  namedGroup('group:admins', p.adminsGroup, ensure),
]

export const r14Inventree = oidc.define({
  id: 'inventree',
  recipe: 'R14',
  title: 'InvenTree',
  summary:
    'An OAuth2/OpenID provider with the allauth callback URIs, the inventree application, and the groups InvenTree maps to its Users and Admins.',
  params: Params,
  desired: (p, ctx) =>
    oidc.desired(spec(p, ctx.domain), ctx, p.createGroups ? groups(p, 'present') : []),
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
        ...oidc.clientValues(p, ctx, { id: 'Client id', secret: 'Secret key' }).map((v) => ({
          ...v,
          group: 'Social application',
        })),
        {
          key: 'settings',
          label: 'Settings',
          value: JSON.stringify({
            server_url: oidc.issuerUrl(ctx.authentikHost, p.applicationSlug),
          }),
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
        oidc.checklistTail(p.applicationSlug),
      ],
      notes: [],
    }
  },
  checks: (p, ctx) =>
    oidc.check(p, 'InvenTree discovery and callback URIs', redirectsOf(p, ctx.domain)),
})
