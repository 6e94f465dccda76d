/**
 * Finding a desired object the way a person would: list with the filters the schema declares
 * (Authentik ignores undeclared filters and would return everything), then check the identity
 * exactly — none is missing, one is found, more is RECONCILE_AMBIGUOUS naming the pks.
 */
import { GatehouseError } from '../../shared/errors'
import type { AuthentikRest, JsonObject, JsonValue, Query } from '../authentik/rest'
import type { DesiredObject } from './desired'
import { PLANNED, type Planned, type Resolution } from './resolution'
import { sameValue } from './values'

export async function findObject(
  rest: AuthentikRest,
  resolution: Pick<Resolution, 'resolveValue' | 'titleOf'>,
  d: DesiredObject,
): Promise<JsonObject | null | Planned> {
  if (d.kind.singleton) return rest.get<JsonObject>(d.kind.path, undefined, `read ${d.kind.label}`)
  const query: Query = {}
  for (const [param, value] of Object.entries(d.query ?? d.identity)) {
    const r = resolution.resolveValue(value, `${d.key}.query.${param}`)
    if (r === PLANNED) return PLANNED
    if (r === undefined) return null
    query[param] = Array.isArray(r) ? (r as (string | number)[]) : (r as string | number | boolean)
  }
  const identity: Record<string, JsonValue> = {}
  for (const [field, value] of Object.entries(d.identity)) {
    const r = resolution.resolveValue(value, `${d.key}.identity.${field}`)
    if (r === PLANNED) return PLANNED
    if (r === undefined) return null
    identity[field] = r
  }
  const title = resolution.titleOf(d)
  const found = (await rest.list<JsonObject>(d.kind.path, query, `find ${title}`)).filter((item) =>
    Object.entries(identity).every(([field, value]) => sameValue(item[field], value)),
  )
  if (found.length > 1) {
    throw new GatehouseError({
      code: 'RECONCILE_AMBIGUOUS',
      message: `Authentik has ${found.length} objects that are each "${title}" (${found
        .map((o) => `pk ${String(o.pk)}${o.name ? ` "${String(o.name)}"` : ''}`)
        .join(', ')}); Gatehouse will not guess which one is meant.`,
      hint: `Delete or rename the duplicates in Authentik's admin UI (${d.kind.label}s), then plan again.`,
      details: { kind: d.kind.id, pks: found.map((o) => String(o.pk)) },
    })
  }
  return found[0] ?? null
}

/** The object's own URL (its detail key, or the kind's path for a singleton). */
export function detailPath(d: DesiredObject, object: JsonObject): string {
  return d.kind.singleton
    ? d.kind.path
    : `${d.kind.path}${encodeURIComponent(String(object[d.kind.detailKey]))}/`
}
