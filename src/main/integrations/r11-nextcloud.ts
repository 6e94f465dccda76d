/** R11: Nextcloud over OIDC (guide: "Nextcloud"), with the user_oidc app on the other side. */
import { z } from 'zod'
import { compareVersions, parseVersion } from '../authentik/version'
import { ref, type FieldValue } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import { appSubdomain, named, namedGroup } from './integration'
import * as oidc from './oidc'
import { labelled, nameParam } from '../recipes/param-fields'

const Params = z.strictObject(
  oidc.params(
    appSubdomain('nc', 'Nextcloud subdomain', 'Nextcloud runs at https://<subdomain>.{domain}.'),
    { provider: 'Nextcloud Provider', application: 'Nextcloud', slug: 'nextcloud' },
    {
      adminGroup: nameParam('nextcloud Admins', 'Admin group'),
      usersGroup: nameParam('nextcloud Users', {
        label: 'Users group',
        help: 'Only its members may log in (and get a Nextcloud account).',
      }),
      mappingName: nameParam('Nextcloud Profile', 'Scope mapping'),
      /** Nextcloud keys accounts by user id = username: a renamed user would become someone new. */
      lockUsernames: labelled(
        z.boolean().default(true),
        'Users may not change their username (system setting)',
      ),
    },
  ),
)
type Params = z.infer<typeof Params>

/**
 * The guide's scope mapping. `User.ak_groups` is deprecated from 2026.2 (it logs a configuration
 * warning); `User.groups` is the same relation under its new name.
 */
export function nextcloudExpression(version: string, adminGroup: string): string {
  const parsed = parseVersion(version)
  const groups =
    parsed && compareVersions(parsed, { year: 2026, minor: 2, patch: 0 }) >= 0
      ? 'user.groups'
      : 'user.ak_groups'
  return `# Extract all groups the user is a member of
groups = [group.name for group in ${groups}.all()]
# Nextcloud admins must be members of a group called "admin".
# This is static and cannot be changed.
# We append a fictional "admin" group to the user's groups if they are a member of ${JSON.stringify(adminGroup)} in authentik.
# This group would only be visible in Nextcloud and does not exist in authentik.
if ${JSON.stringify(adminGroup)} in groups:
    groups = ["admin"]
else:
    groups = []
return {
    # Display name
    "name": request.user.name,
    "groups": groups,
    # To set a quota set the "nextcloud_quota" property in the user's attributes
    "quota": user.group_attributes().get("nextcloud_quota", None),
    # To connect an already existing user, set the "nextcloud_user_id" property in the
    # user's attributes to the username of the corresponding user on Nextcloud.
    # Uses the Authentik username if attribute is not set.
    "user_id": user.attributes.get("nextcloud_user_id", str(user.username)),
}
`
}

const redirectOf = (p: Params, domain: string) =>
  `https://${p.subdomain}.${domain}/apps/user_oidc/code`

const profileMapping = (
  p: Params,
  ensure: 'present' | 'absent',
  fields?: Record<string, FieldValue>,
) => named('mapping:nextcloud-profile', kinds.scopeMapping, p.mappingName, ensure, fields)

const spec = (p: Params, domain: string) =>
  oidc.spec(p, [redirectOf(p, domain)], [ref('mapping:nextcloud-profile')])

export const r11Nextcloud = oidc.define({
  id: 'nextcloud',
  recipe: 'R11',
  title: 'Nextcloud',
  summary:
    'Immutable usernames, the nextcloud Admins / nextcloud Users groups, the Nextcloud Profile scope mapping, an OAuth2/OpenID provider and the nextcloud application open only to nextcloud Users.',
  params: Params,
  desired: (p, ctx) => [
    ...(p.lockUsernames
      ? [
          {
            key: 'settings',
            kind: kinds.settings,
            ensure: 'existing' as const,
            identity: {},
            fields: { default_user_change_username: false },
            title: 'system settings (users may not change their username)',
          },
        ]
      : []),
    ...oidc.desired(spec(p, ctx.domain), ctx, [
      namedGroup('group:admins', p.adminGroup, 'present'),
      namedGroup('group:users', p.usersGroup, 'present'),
      profileMapping(p, 'present', {
        scope_name: 'profile',
        expression: nextcloudExpression(ctx.version, p.adminGroup),
        description: 'Nextcloud: name, groups (admin), quota and user id',
      }),
    ]),
    {
      key: 'binding:users',
      kind: kinds.policyBinding,
      ensure: 'present',
      identity: { target: ref('application'), group: ref('group:users') },
      query: { target: ref('application') },
      fields: { order: 0, enabled: true, negate: false },
      title: `binding of group ${p.usersGroup} on application ${p.applicationSlug}`,
    },
  ],
  shared: (p) => [
    profileMapping(p, 'absent'),
    namedGroup('group:admins', p.adminGroup, 'absent'),
    namedGroup('group:users', p.usersGroup, 'absent'),
  ],
  card: (p, ctx) => ({
    title: 'Nextcloud → Administration settings → OpenID Connect → Registered providers (+)',
    values: [
      { key: 'identifier', label: 'Identifier', value: 'Authentik' },
      ...oidc.clientValues(p, ctx),
      {
        key: 'discovery',
        label: 'Discovery endpoint',
        value: oidc.discoveryUrl(ctx.authentikHost, p.applicationSlug),
      },
      { key: 'scope', label: 'Scope', value: 'openid email profile' },
      { key: 'userId', label: 'User ID mapping', value: 'user_id' },
      { key: 'quota', label: 'Quota mapping', value: 'quota' },
      {
        key: 'groups',
        label: 'Groups mapping',
        value: 'groups',
        help: 'Needs "Use group provisioning" checked further down.',
      },
      { key: 'displayName', label: 'Display name mapping (extra attributes)', value: 'name' },
      { key: 'email', label: 'Email mapping (extra attributes)', value: 'email' },
      { key: 'redirect', label: 'Redirect URI (for reference)', value: redirectOf(p, ctx.domain) },
      {
        key: 'occ',
        label: 'Make Authentik the default login (run in the Nextcloud docker folder)',
        value:
          'docker compose exec -u www-data nextcloud php occ config:app:set --value=0 user_oidc allow_multiple_user_backends',
      },
    ],
    checklist: [
      'Apps → Integration: enable "OpenID Connect user backend".',
      'Administration settings → OpenID Connect: add the provider with the values above.',
      'Turn "Use unique user id" OFF, and check "Use group provisioning".',
      `Put users who may log in into "${p.usersGroup}", Nextcloud admins also into "${p.adminGroup}".`,
      'To map an existing Nextcloud account, give the Authentik user the attribute nextcloud_user_id; a quota with nextcloud_quota (e.g. "10 GB").',
      'Optionally run the occ command so the login page goes straight to Authentik.',
      oidc.checklistTail(p.applicationSlug),
    ],
    notes: [],
  }),
  checks: (p, ctx) =>
    oidc.check(p, 'Nextcloud discovery and redirect URI', [redirectOf(p, ctx.domain)]),
})
