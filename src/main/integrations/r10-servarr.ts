/**
 * R10: Servarr apps behind forward auth with HTTP-basic forwarding (guide: "Servarr"). The group
 * `Servarr Users` carries `<app>_user` / `<app>_password` attributes; each app's single-application
 * proxy provider intercepts the Authorization header and sends those as HTTP basic credentials,
 * so the app keeps its own login and users log in once, at Authentik.
 *
 * By the guide's design these passwords are stored in clear in the group's attributes, where every
 * Authentik admin (and the API) can read them. Gatehouse also keeps them in the OS keychain so a
 * later plan can compare without asking again; they never appear in a plan.
 */
import { z } from 'zod'
import { accessParams } from './access'
import { keys, owned, ref, type DesiredObject } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import {
  EMBEDDED_OUTPOST,
  application,
  existing,
  existingFlow,
  groupWithUsers,
  slugs,
} from '../recipes/defaults'
import { composeLabelsBlock, routerLabels } from '../traefik/labels'
import { appNameProblem } from '../traefik/labels'
import { labelled, nameParam } from '../recipes/param-fields'
import { defineIntegration, namedGroup, type OwnedApp } from './integration'

export const SERVARR_PRESETS = [
  { kind: 'prowlarr', name: 'Prowlarr', slug: 'prowlarr', subdomain: 'prowlarr' },
  { kind: 'sonarr', name: 'Sonarr', slug: 'sonarr', subdomain: 'sonarr' },
  { kind: 'radarr', name: 'Radarr', slug: 'radarr', subdomain: 'radarr' },
  { kind: 'lidarr', name: 'Lidarr', slug: 'lidarr', subdomain: 'lidarr' },
  { kind: 'readarr', name: 'Readarr', slug: 'readarr', subdomain: 'readarr' },
  { kind: 'bazarr', name: 'Bazarr', slug: 'bazarr', subdomain: 'bazarr' },
] as const

const App = z
  .strictObject({
    kind: z.enum(['prowlarr', 'sonarr', 'radarr', 'lidarr', 'readarr', 'bazarr', 'custom']),
    name: z.string().trim().min(1, 'Name the app.').max(150),
    slug: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, 'Use lower-case letters, digits, - and _ (max 50).'),
    /** Default: the slug. */
    subdomain: z.string().trim().toLowerCase().optional(),
    /** The app's own login (its Settings → General → Authentication). */
    username: z.string().trim().min(1, "Enter the app's username.").max(150),
    /** Typed by the admin; absent on a later edit means "keep the one in the keychain". */
    password: z.string().min(1).max(512).optional(),
  })
  .transform((app) => ({ ...app, subdomain: app.subdomain || app.slug }))
export type ServarrApp = z.infer<typeof App>

const Params = z
  .strictObject({
    groupName: nameParam('Servarr Users', 'Group'),
    /** Usernames of the Authentik users who may use the apps. */
    members: labelled(z.array(z.string().trim().min(1).max(150)).max(200).default([]), {
      label: 'Members (Authentik usernames)',
      help: 'Users who may open the apps; others added in Authentik stay.',
    }),
    apps: labelled(z.array(App).min(1, 'Add at least one app.').max(20), {
      label: 'Apps',
      kind: 'apps',
      help: "Each app at https://<subdomain>.{domain}, with the username and password of its own login. These passwords are stored in the group's attributes in clear: every Authentik admin can read them.",
    }),
    ...accessParams,
  })
  .superRefine((p, ctx) => {
    const seen = { slug: new Map<string, number>(), subdomain: new Map<string, number>() }
    p.apps.forEach((app, i) => {
      const problem = appNameProblem(app.subdomain)
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `Not a DNS label. ${problem}`,
          path: ['apps', i, 'subdomain'],
        })
      for (const field of ['slug', 'subdomain'] as const) {
        // `my-app` and `my_app` would share the attribute keys, so compare them as keys.
        const value = field === 'slug' ? attributeBase(app.slug) : app.subdomain
        const first = seen[field].get(value)
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            message: `Already used by app ${first + 1} (${p.apps[first]?.name ?? ''}): each app needs its own ${field}.`,
            path: ['apps', i, field],
          })
        else seen[field].set(value, i)
      }
    })
  })
type Params = z.infer<typeof Params>

/** `my-app` → `my_app`: the attribute names the provider looks up on the user's groups. */
export const attributeBase = (slug: string) => slug.replace(/-/g, '_')
export const userKey = (slug: string) => `${attributeBase(slug)}_user`
export const passwordKey = (slug: string) => `${attributeBase(slug)}_password`
export const providerNameOf = (app: Pick<ServarrApp, 'name'>) => `${app.name} Provider`
const passwordRef = (slug: string) => `password:${slug}`

export const r10Servarr = defineIntegration({
  id: 'servarr',
  recipe: 'R10',
  title: 'Servarr apps (HTTP-basic forwarding)',
  protocol: 'forward-auth',
  summary:
    'The Servarr Users group holding each app’s login, one forward-auth proxy provider per app that sends those credentials as HTTP basic, the applications, all on the embedded outpost.',
  params: Params,
  appPresets: SERVARR_PRESETS.map((p) => ({ ...p })),
  desired: (p, ctx) => {
    const attributes: Record<string, string> = {}
    for (const app of p.apps) {
      attributes[userKey(app.slug)] = app.username
      if (app.password === undefined)
        throw new Error(`Gatehouse bug: the password of ${app.slug} was not resolved`)
      attributes[passwordKey(app.slug)] = app.password
    }
    const members: DesiredObject[] = p.members.map((username) => ({
      key: `user:${username}`,
      kind: kinds.user,
      ensure: 'existing',
      identity: { username },
      missingHint: `Check the spelling of "${username}" in the members list, or create the user first (Users panel).`,
    }))
    return [
      existingFlow('flow:implicit-consent', slugs.implicitConsent),
      existingFlow('flow:provider-invalidation', slugs.providerInvalidation),
      ...members,
      groupWithUsers('group', p.groupName, {
        // Only these keys: anything else the admin keeps in the attributes stays.
        attributes: keys(attributes),
        ...(members.length ? { users: owned(members.map((m) => ref(m.key))) } : {}),
      }),
      ...p.apps.flatMap((app): DesiredObject[] => [
        {
          key: `provider:${app.slug}`,
          kind: kinds.proxyProvider,
          ensure: 'present',
          identity: { name: providerNameOf(app) },
          query: { name__iexact: providerNameOf(app) },
          fields: {
            authorization_flow: ref('flow:implicit-consent'),
            invalidation_flow: ref('flow:provider-invalidation'),
            mode: 'forward_single',
            external_host: `https://${app.subdomain}.${ctx.domain}`,
            intercept_header_auth: true,
            basic_auth_enabled: true,
            basic_auth_user_attribute: userKey(app.slug),
            basic_auth_password_attribute: passwordKey(app.slug),
          },
        },
        application(`application:${app.slug}`, app.slug, 'present', {
          name: app.name,
          provider: ref(`provider:${app.slug}`),
        }),
      ]),
      existing(
        'outpost',
        kinds.outpost,
        { managed: EMBEDDED_OUTPOST },
        {
          providers: owned(p.apps.map((app) => ref(`provider:${app.slug}`))),
          // Forward auth redirects nowhere until the outpost knows its public address (R2 sets
          // it too; a fresh install has it empty).
          config: keys({ authentik_host: ctx.authentikHost }),
        },
        { managed__iexact: EMBEDDED_OUTPOST },
      ),
    ]
  },
  owned: (p): OwnedApp[] =>
    p.apps.map((app, i) => ({
      slug: app.slug,
      name: app.name,
      providerName: providerNameOf(app),
      providerKind: kinds.proxyProvider,
      fields: {
        slug: `apps.${i}.slug`,
        name: `apps.${i}.name`,
        providerName: `apps.${i}.name`,
      },
    })),
  shared: (p) => [namedGroup('group', p.groupName, 'absent')],
  card: (p, ctx) => ({
    title: 'Traefik labels and the app logins Authentik forwards',
    values: p.apps.flatMap((app) => {
      const labels = routerLabels({ app: app.subdomain, domain: ctx.domain, set: 'r10' })
      return [
        {
          key: `${app.slug}.url`,
          label: 'Address',
          value: `https://${app.subdomain}.${ctx.domain}`,
          group: app.name,
        },
        {
          key: `${app.slug}.middleware`,
          label: 'Router middleware label',
          value: labels.find((l) => l.includes('.middlewares=')) ?? '',
          group: app.name,
        },
        {
          key: `${app.slug}.labels`,
          label: 'docker-compose labels',
          value: composeLabelsBlock(labels),
          group: app.name,
        },
        {
          key: `${app.slug}.userKey`,
          label: 'HTTP-Basic username key',
          value: userKey(app.slug),
          group: app.name,
        },
        {
          key: `${app.slug}.passwordKey`,
          label: 'HTTP-Basic password key',
          value: passwordKey(app.slug),
          group: app.name,
        },
        { key: `${app.slug}.username`, label: 'Username', value: app.username, group: app.name },
        {
          key: `${app.slug}.password`,
          label: 'Password',
          value: null,
          secret: passwordRef(app.slug),
          group: app.name,
        },
      ]
    }),
    checklist: [
      "In each app: Settings → General → Authentication = Basic (or Forms), with exactly the username and password above (the app's own login).",
      'Write the authentik-auth-http middleware and the authentik-http chain into Traefik’s dynamic_config.yml: `gatehouse traefik plan --json \'{"include":["r2","r10"]}\'`, then apply.',
      'Put the router labels above on each app’s container (they use authentik-http@file instead of authentik@file) and recreate it.',
      `Add the users who may use the apps to "${p.groupName}".`,
      'Press Check: each app must answer an anonymous request with a redirect to Authentik.',
    ],
    notes: [
      `The passwords are stored in clear in the attributes of "${p.groupName}": every Authentik admin can read them (the guide’s design). Use app logins that protect nothing else.`,
    ],
  }),
  checks: (p, ctx) =>
    p.apps.map((app) => ({
      type: 'forward-auth' as const,
      title: `${app.name} is protected`,
      url: `https://${app.subdomain}.${ctx.domain}`,
    })),
  passwords: (p) =>
    p.apps.map((app, i) => ({
      ref: passwordRef(app.slug),
      value: app.password,
      field: `apps.${i}.password`,
      attribute: passwordKey(app.slug),
    })),
  withPasswords: (p, stored) => ({
    ...p,
    apps: p.apps.map((app) => ({
      ...app,
      password: app.password ?? stored[passwordRef(app.slug)] ?? undefined,
    })),
  }),
  storable: (p) => ({ ...p, apps: p.apps.map(({ password: _password, ...app }) => app) }),
})
