/**
 * Parameter forms drawn from the parameter schemas. A recipe or integration declares each
 * parameter once, as zod, with its label and help in the `paramForm` registry; the default, the
 * kind of input and the choices come from the schema itself, so the form can never restate a
 * default the schema no longer has.
 */
import { z } from 'zod'

export type ParamKind = 'text' | 'number' | 'boolean' | 'select' | 'multiselect' | 'lines' | 'apps'

export interface ParamOption {
  value: string
  label: string
}

/** What the schema cannot say about a parameter: how the form presents it. */
export interface ParamMeta {
  label: string
  /** Shown under the field; `{domain}` becomes the admin's base domain. */
  help?: string
  /** Only where the schema's type does not tell (a list of objects: R10's apps). */
  kind?: ParamKind
  /**
   * For an enum: labels of (some of) its values. For a free-text field: the suggestions the form
   * offers as a select (the schema still accepts any value it validates, e.g. any duration).
   */
  options?: readonly ParamOption[]
}

/** Labels, help and kinds of parameters, keyed by the schema instance of each parameter. */
export const paramForm = z.registry<ParamMeta>()

export type ParamDefault = string | number | boolean | string[] | unknown[]

/** One field as the contract's form descriptors carry it (RecipeFormField, IntegrationFormField). */
export interface ParamField {
  key: string
  label: string
  kind: ParamKind
  options?: ParamOption[]
  help?: string
  default: ParamDefault
}

interface Unwrapped {
  base: z.ZodType
  meta: ParamMeta | undefined
  /** The schema's default, when it has one. */
  fallback: { value: unknown } | undefined
}

/**
 * Peels defaults, optionals and transforms off a parameter down to its type, picking up the
 * outermost metadata and default on the way.
 */
function unwrap(schema: z.ZodType): Unwrapped {
  let current = schema
  let meta: ParamMeta | undefined
  let fallback: Unwrapped['fallback']
  for (;;) {
    meta ??= paramForm.get(current)
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      fallback ??= { value: current.def.defaultValue }
      current = current.def.innerType as z.ZodType
    } else if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodReadonly
    ) {
      current = current.def.innerType as z.ZodType
    } else if (current instanceof z.ZodPipe) {
      current = current.def.in as z.ZodType
    } else {
      return { base: current, meta, fallback }
    }
  }
}

const enumOptions = (values: readonly unknown[], labels: ParamMeta['options']): ParamOption[] =>
  values.map((value) => ({
    value: String(value),
    label: labels?.find((o) => o.value === String(value))?.label ?? String(value),
  }))

function kindAndOptions(
  key: string,
  base: z.ZodType,
  meta: ParamMeta,
): { kind: ParamKind; options?: ParamOption[] } {
  if (meta.kind) return { kind: meta.kind, ...(meta.options ? { options: [...meta.options] } : {}) }
  if (base instanceof z.ZodEnum)
    return { kind: 'select', options: enumOptions(base.options, meta.options) }
  if (base instanceof z.ZodBoolean) return { kind: 'boolean' }
  if (base instanceof z.ZodNumber) return { kind: 'number' }
  // z.email() and other string formats are strings too (their def says so).
  if (base.def.type === 'string')
    return meta.options ? { kind: 'select', options: [...meta.options] } : { kind: 'text' }
  if (base instanceof z.ZodArray) {
    const item = unwrap(base.element as z.ZodType).base
    if (item instanceof z.ZodEnum)
      return { kind: 'multiselect', options: enumOptions(item.options, meta.options) }
    if (item.def.type === 'string') return { kind: 'lines' }
  }
  throw new Error(`Gatehouse bug: no form input for parameter ${key} (${base.def.type})`)
}

/** What an empty input of this kind holds (the UI sends empty text as "not given"). */
function emptyValue(key: string, kind: ParamKind): ParamDefault {
  if (kind === 'text') return ''
  if (kind === 'boolean') return false
  if (kind === 'lines' || kind === 'multiselect' || kind === 'apps') return []
  throw new Error(`Gatehouse bug: parameter ${key} (${kind}) needs a default in its schema`)
}

/** The object schema of a recipe's parameters, under any refinement or transform. */
export function paramShape(schema: z.ZodType): Record<string, z.ZodType> {
  const { base } = unwrap(schema)
  if (!(base instanceof z.ZodObject))
    throw new Error('Gatehouse bug: recipe parameters must be an object schema')
  return base.shape as Record<string, z.ZodType>
}

/**
 * The form of a parameter schema: one field per key, in the schema's order. A parameter without
 * a label in `paramForm` is a bug (every parameter the admin can set has a form field).
 */
export function formFromSchema(schema: z.ZodType, ctx: { domain: string }): ParamField[] {
  return Object.entries(paramShape(schema)).map(([key, param]) => {
    const { base, meta, fallback } = unwrap(param)
    if (!meta) throw new Error(`Gatehouse bug: parameter ${key} has no label in paramForm`)
    const { kind, options } = kindAndOptions(key, base, meta)
    const value = fallback ? (structuredClone(fallback.value) as ParamDefault) : null
    return {
      key,
      label: meta.label,
      kind,
      ...(options ? { options } : {}),
      ...(meta.help !== undefined ? { help: meta.help.replaceAll('{domain}', ctx.domain) } : {}),
      default: value ?? emptyValue(key, kind),
    }
  })
}
