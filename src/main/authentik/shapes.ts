import { z } from 'zod'
import { GatehouseError } from '../../shared/errors'
import type { ServerVersion } from './version'

/**
 * Authentik's resources as Gatehouse reads them: the API's own snake_case JSON, one zod schema per
 * resource, listing only the fields Gatehouse uses. Every answer is checked here where it enters,
 * so a field a release dropped or renamed is a typed AUTHENTIK_UNEXPECTED_RESPONSE naming the
 * operation, the field and the server version, never a TypeError deep inside a caller.
 *
 * Rules, so every supported release (and a newer one) reads alike:
 * - fields that some release lacks or may omit are optional, with the default applied by the
 *   reader, not guessed here;
 * - unknown fields are dropped (z.object strips them): a newer release adding fields is no error;
 * - where releases differ in shape (groups: `parent` before 2025.12, `parents` from then on) both
 *   spellings are optional here and `groupParentsOf` reads the one the server's release uses.
 */

const uuid = z.string().min(1)

/** `GET /core/users/{id}/`, list rows and write answers. */
export const AkUser = z.object({
  pk: z.number().int(),
  username: z.string(),
  name: z.string(),
  email: z.string().optional(),
  type: z.enum(['internal', 'external', 'service_account', 'internal_service_account']).optional(),
  is_active: z.boolean().optional(),
  is_superuser: z.boolean(),
  last_login: z.string().nullable().optional(),
  path: z.string().optional(),
  /** Group uuids. */
  groups: z.array(uuid).optional(),
  groups_obj: z
    .array(z.object({ pk: uuid, name: z.string(), is_superuser: z.boolean().optional() }))
    .nullable()
    .optional(),
})
export type AkUser = z.infer<typeof AkUser>

/**
 * `GET /core/users/me/`: `{user, original?}` in every release; 2026.8 adds `users`, which is
 * exactly the field @goauthentik/api 2026.8.3 required and 2026.5 servers never send.
 */
export const AkSessionUser = z.object({
  user: z.object({
    pk: z.number().int(),
    username: z.string(),
    is_active: z.boolean(),
    is_superuser: z.boolean(),
  }),
})
export type AkSessionUser = z.infer<typeof AkSessionUser>

/** A group in either release family: 2025.6–2025.10 `parent`/`parent_name`, 2025.12+ `parents`. */
export const AkGroup = z.object({
  pk: uuid,
  name: z.string(),
  is_superuser: z.boolean().optional(),
  parent: uuid.nullable().optional(),
  parent_name: z.string().nullable().optional(),
  parents: z.array(uuid).optional(),
  parents_obj: z
    .array(z.object({ pk: uuid, name: z.string() }))
    .nullable()
    .optional(),
  users: z.array(z.number().int()).optional(),
  users_obj: z
    .array(
      z.object({
        pk: z.number().int(),
        username: z.string(),
        name: z.string(),
        is_active: z.boolean().optional(),
      }),
    )
    .nullable()
    .optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
})
export type AkGroup = z.infer<typeof AkGroup>

/** The parents of a group as a list, whichever spelling the server's release uses. */
export function groupParentsOf(group: AkGroup): string[] {
  if (group.parents) return group.parents
  return group.parent ? [group.parent] : []
}

/** `core/tokens/` rows; the key itself is never part of a list or detail answer. */
export const AkToken = z.object({
  identifier: z.string(),
  /** Only compared with 'api': an intent a later release adds must not fail the read. */
  intent: z.string().optional(),
  user: z.number().int().optional(),
  description: z.string().optional(),
  expiring: z.boolean().optional(),
})
export type AkToken = z.infer<typeof AkToken>

/** `GET /admin/version/`. */
export const AkVersionInfo = z.object({ version_current: z.string().min(1) })

/** The anonymous OpenAPI document: only `info.version` is read from it. */
export const AkSchemaInfo = z.object({ info: z.object({ version: z.string().min(1) }) })

/** `{pagination, results}`: a paginated list of rows of `row`. */
export function pageOf<T extends z.ZodType>(row: T) {
  return z.object({
    pagination: z.object({ next: z.number().optional(), count: z.number().optional() }),
    results: z.array(row),
  })
}

export interface ShapeContext {
  /** What Gatehouse was doing, e.g. "read the current user". */
  operation: string
  /** The server's release when known (it is not while the version is being detected). */
  version?: ServerVersion | string
  baseUrl: string
}

/** The first field that did not match, as a path (`user.is_superuser`, `results.3.pk`). */
function firstProblem(error: z.ZodError): { field: string; problem: string } {
  const issue = error.issues[0]
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(the answer)'
  return { field, problem: issue?.message ?? 'unexpected shape' }
}

/**
 * Checks an answer against the fields Gatehouse uses. A mismatch is the server's shape, not the
 * network: AUTHENTIK_UNEXPECTED_RESPONSE, with the operation, the field and the server version.
 */
export function readShape<T extends z.ZodType>(
  schema: T,
  body: unknown,
  context: ShapeContext,
): z.infer<T> {
  const parsed = schema.safeParse(body)
  if (parsed.success) return parsed.data
  const { field, problem } = firstProblem(parsed.error)
  const version =
    typeof context.version === 'string' ? context.version : (context.version?.raw ?? 'unknown')
  throw new GatehouseError({
    code: 'AUTHENTIK_UNEXPECTED_RESPONSE',
    message: `Authentik ${version} at ${context.baseUrl} answered "${context.operation}" in a shape Gatehouse does not expect: ${field} (${problem}).`,
    hint: 'Check that the address points at Authentik itself and that its version is one Gatehouse supports; if it is, please report this with the version.',
    details: {
      operation: context.operation,
      field,
      problem,
      version,
      baseUrl: context.baseUrl,
    },
  })
}
