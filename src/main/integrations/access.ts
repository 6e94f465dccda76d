/**
 * Who may use an integration's apps (#19 item 4): the groups whose members may log in, applied
 * as Authentik's own policy bindings on each application the integration creates (Application →
 * Policy / Group / User Bindings → Bind existing group). With no binding Authentik lets every user
 * in; with group bindings and the application's default engine mode `any`, a user must be a
 * member of one of the groups (or of a group below one). Groups the admin took off the list lose
 * their binding on the next apply; bindings the admin made by hand stay.
 */
import { z } from 'zod'
import { ref, type DesiredObject } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import { labelled } from '../recipes/param-fields'

export const allowedGroups = labelled(
  z.array(z.string().trim().min(1, 'Name the group.').max(150)).max(20).default([]),
  {
    label: 'Who may use it (groups)',
    help: 'Only members of these Authentik groups may log in; empty: every user. The groups must exist (Groups panel).',
  },
)

/** The parameter every integration has. */
export const accessParams = { allowedGroups }

const groupKey = (name: string) => `access-group:${name}`

function bindingOf(
  appKey: string,
  appSlug: string,
  group: string,
  ensure: 'present' | 'absent',
  order: number,
): DesiredObject {
  return {
    key: `access:${appKey}:${group}`,
    kind: kinds.policyBinding,
    ensure,
    identity: { target: ref(appKey), group: ref(groupKey(group)) },
    query: { target: ref(appKey) },
    ...(ensure === 'present' ? { fields: { order, enabled: true, negate: false } } : {}),
    title: `binding of group ${group} on application ${appSlug} (who may use it)`,
  }
}

/**
 * The bindings for `groups` on every application in `desired`, and the removal of those for
 * `previous` groups no longer listed (their group may be gone too: then so is its binding).
 */
export function accessDesired(
  desired: readonly DesiredObject[],
  groups: readonly string[],
  previous: readonly string[],
): DesiredObject[] {
  const apps = desired.filter((d) => d.kind === kinds.application && d.ensure === 'present')
  const dropped = previous.filter((g) => !groups.includes(g))
  if (apps.length === 0 || (groups.length === 0 && dropped.length === 0)) return []
  const out: DesiredObject[] = [
    ...groups.map((name): DesiredObject => ({
      key: groupKey(name),
      kind: kinds.group,
      ensure: 'existing',
      identity: { name },
      missingHint: `Create the group "${name}" first (Groups panel), or check its spelling under "Who may use it".`,
    })),
    ...dropped.map((name): DesiredObject => ({
      key: groupKey(name),
      kind: kinds.group,
      ensure: 'optional',
      identity: { name },
    })),
  ]
  for (const app of apps) {
    const slug = String(app.identity.slug ?? app.key)
    groups.forEach((g, i) => out.push(bindingOf(app.key, slug, g, 'present', 100 + i)))
    for (const g of dropped) out.push(bindingOf(app.key, slug, g, 'absent', 0))
  }
  return out
}

/** The groups stored with the last apply (older records have none). */
export function previousGroups(params: unknown): string[] {
  const parsed = z.object({ allowedGroups: z.array(z.string()) }).safeParse(params)
  return parsed.success ? parsed.data.allowedGroups : []
}
