/**
 * How a recipe says what it wants. A recipe is a list of DesiredObjects in dependency order; each
 * names its Authentik object the way a person would find it (identity fields with exact values)
 * and the fields it cares about. Everything else on the object is left alone.
 */
import type { JsonValue } from '../authentik/rest'
import type { ResourceKind } from './kinds'

/** The pk of another object of the same recipe, resolved by identity at plan/apply time. */
export interface Ref {
  readonly $ref: string
}
export const ref = (key: string): Ref => ({ $ref: key })
export const isRef = (value: unknown): value is Ref =>
  typeof value === 'object' && value !== null && '$ref' in value

export type Value = JsonValue | Ref | Value[]

/**
 * What a field should become.
 * - set: exactly this value (arrays of scalars compare as sets: Authentik's many-to-many fields
 *   have no order).
 * - owned: a list the admin may have added to by hand; the recipe only adds `add` and removes
 *   `remove`, everything else stays (read-modify-write, because a PATCH replaces a list whole).
 * - keys: a JSON object (an outpost's `config`, a group's `attributes`) where only these keys are
 *   set; the rest of the object is sent back unchanged.
 * - lines: a newline-separated string (`skip_path_regex`) treated like an owned list of lines.
 */
export type FieldSpec =
  | { readonly op: 'set'; readonly value: Value }
  | { readonly op: 'owned'; readonly add: readonly Value[]; readonly remove: readonly Value[] }
  | { readonly op: 'keys'; readonly value: Readonly<Record<string, Value>> }
  | { readonly op: 'lines'; readonly add: readonly string[]; readonly remove: readonly string[] }

export const owned = (add: readonly Value[], remove: readonly Value[] = []): FieldSpec => ({
  op: 'owned',
  add,
  remove,
})
export const keys = (value: Record<string, Value>): FieldSpec => ({ op: 'keys', value })
export const lines = (add: readonly string[], remove: readonly string[] = []): FieldSpec => ({
  op: 'lines',
  add,
  remove,
})

export type FieldValue = Value | FieldSpec

export const isFieldSpec = (value: unknown): value is FieldSpec =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  'op' in value &&
  typeof (value as { op: unknown }).op === 'string'

/**
 * - present: created when missing, updated when it differs.
 * - existing: an object a fresh install has (a default stage, the embedded outpost); never created.
 *   Missing is an error that says it was probably renamed or deleted.
 * - optional: read only, to be referenced if it exists (e.g. R5's policy from R8); refs to it are
 *   dropped with a warning when it does not.
 * - absent: deleted when found.
 */
export type Ensure = 'present' | 'existing' | 'optional' | 'absent'

export interface DesiredObject {
  /** Unique within a recipe; other objects refer to it with ref(key). */
  readonly key: string
  readonly kind: ResourceKind
  readonly ensure: Ensure
  /** Response field → exact value that identifies the object (also sent on create). */
  readonly identity: Readonly<Record<string, Value>>
  /**
   * List query that finds it, using only filters the schema declares for that list (Authentik
   * silently ignores others and returns everything). Defaults to the identity. Results are also
   * checked against the identity exactly, so `name__iexact` cannot match another case.
   */
  readonly query?: Readonly<Record<string, Value>>
  /** Fields the recipe manages; identity fields need not be repeated. */
  readonly fields?: Readonly<Record<string, FieldValue>>
  /** Sent on create only (e.g. a generated client id), never compared. */
  readonly createOnly?: Readonly<Record<string, Value>>
  /** How the admin would call it in a sentence: "flow recovery". Defaults from kind + identity. */
  readonly title?: string
  /** Shown when an `existing` object is missing. */
  readonly missingHint?: string
}
