/**
 * The live check of "who may use it" (#19 item 4): Authentik's own policy engine, asked through
 * `GET /core/applications/{slug}/check_access/?for_user=`, must let a member of an allowed group
 * in and refuse an active user who is in none of them. Asking the engine (rather than reading the
 * bindings back) also catches an application in engine mode `all` or a disabled binding.
 */
import type { CheckResult } from '../../../shared/contract/integrations'
import type { JsonObject } from '../../authentik/rest'
import { kinds } from '../../reconcile/kinds'
import type { RecipeContext } from '../../recipes/recipe'

interface Probe {
  pk: number
  username: string
}

async function canUse(ctx: RecipeContext, slug: string, user: Probe): Promise<boolean> {
  const result = await ctx.rest.get<{ passing: boolean }>(
    `${kinds.application.path}${encodeURIComponent(slug)}/check_access/`,
    { for_user: user.pk },
    `check access of ${user.username} to ${slug}`,
  )
  return result.passing
}

/** A group's parents: `parent` before the 2025.12 group rework, `parents` since. */
const parentsOf = (group: JsonObject): string[] =>
  Array.isArray(group.parents)
    ? (group.parents as string[])
    : typeof group.parent === 'string'
      ? [group.parent]
      : []

/**
 * Everyone Authentik counts as a member: users of the groups and of every group below them
 * (a binding's group matches the user's groups and their ancestors).
 */
async function membersOf(ctx: RecipeContext, groups: readonly string[]): Promise<Set<number>> {
  const all = await ctx.rest.list<JsonObject>(
    kinds.group.path,
    { include_users: true },
    'list groups with their members',
  )
  const inside = new Set(
    all.filter((g) => groups.includes(String(g.name))).map((g) => String(g.pk)),
  )
  // Walk down: a group whose parent is inside is inside too, until nothing changes.
  for (let grew = true; grew;) {
    grew = false
    for (const g of all)
      if (!inside.has(String(g.pk)) && parentsOf(g).some((pk) => inside.has(pk))) {
        inside.add(String(g.pk))
        grew = true
      }
  }
  return new Set(
    all.filter((g) => inside.has(String(g.pk))).flatMap((g) => (g.users ?? []) as number[]),
  )
}

/** One active member of the groups and one active user outside all of them (first page). */
async function probes(ctx: RecipeContext, groups: readonly string[]) {
  const members = await membersOf(ctx, groups)
  const page = await ctx.rest.page<JsonObject>(
    kinds.user.path,
    { is_active: true, page_size: 100 },
    'list users',
  )
  const users = page.results.map((u) => ({ pk: Number(u.pk), username: String(u.username) }))
  return {
    member: users.find((u) => members.has(u.pk)) ?? null,
    outsider: users.find((u) => !members.has(u.pk)) ?? null,
  }
}

export async function checkAccess(
  ctx: RecipeContext,
  slugs: readonly string[],
  groups: readonly string[],
): Promise<CheckResult[]> {
  if (groups.length === 0) return []
  const { member, outsider } = await probes(ctx, groups)
  const results: CheckResult[] = []
  for (const slug of slugs) {
    const base = {
      title: `Who may use ${slug}: ${groups.join(', ')}`,
      url: `${ctx.authentikHost}/if/admin/#/core/applications/${slug}`,
    }
    const problems: string[] = []
    const seen: string[] = []
    if (outsider) {
      if (await canUse(ctx, slug, outsider))
        problems.push(`${outsider.username} (in none of the groups) would get in`)
      else seen.push(`${outsider.username} (outside) is refused`)
    }
    if (member) {
      if (!(await canUse(ctx, slug, member)))
        problems.push(`${member.username} (a member) would be refused`)
      else seen.push(`${member.username} (a member) may log in`)
    }
    if (problems.length)
      results.push({
        ...base,
        ok: false,
        reason: 'access',
        message: `Authentik's policy engine says ${problems.join('; ')}.`,
        fix: 'Apply the integration again (the plan shows the group bindings); in Authentik, keep the application\'s policy engine mode at "any" and its group bindings enabled.',
      })
    else
      results.push({
        ...base,
        ok: true,
        reason: 'ok',
        message: seen.length
          ? `Authentik's policy engine: ${seen.join('; ')}.`
          : 'No active user to test with yet: the bindings are in place.',
      })
  }
  return results
}
