/**
 * Parameter types the recipes and integrations share, each with its form metadata: a name, a
 * slug, an Authentik duration. `meta` is the field's label, or its label with help and options.
 */
import { z } from 'zod'
import { paramForm, type ParamMeta, type ParamOption } from './param-form'

export type MetaOrLabel = ParamMeta | string

const asMeta = (meta: MetaOrLabel): ParamMeta => (typeof meta === 'string' ? { label: meta } : meta)

/** Labels a parameter for its form (see param-form.ts); returns the same schema. */
export function labelled<T extends z.ZodType>(schema: T, meta: MetaOrLabel): T {
  paramForm.add(schema as z.ZodType, asMeta(meta))
  return schema
}

/** A display name Authentik stores (applications, providers, groups, policies…). */
export const nameParam = (fallback: string, meta: MetaOrLabel, max = 200) =>
  labelled(z.string().trim().min(1).max(max).default(fallback), meta)

/**
 * A slug (applications, flows). `trim`: the integrations forgive surrounding blanks, the setup
 * recipes never did.
 */
export const slugParam = (fallback: string, meta: MetaOrLabel, options: { trim?: boolean } = {}) =>
  labelled(
    (options.trim ? z.string().trim() : z.string())
      .regex(/^[-a-z0-9_]+$/, 'Use lower-case letters, digits, - and _ only.')
      .max(50)
      .default(fallback),
    meta,
  )

/** Durations offered in a select, labelled from their values (`hours=1` → "1 hour"). */
export const durationChoices = (values: readonly string[]): ParamOption[] =>
  values.map((value) => {
    const [unit = '', amount = ''] = value.split('=')
    return { value, label: `${amount} ${amount === '1' ? unit.replace(/s$/, '') : unit}` }
  })

/**
 * Authentik's duration syntax (`hours=24`, `days=7;hours=1`), offered as a select of `choices`
 * (the schema still takes any duration); `example` goes into the message.
 */
export const durationParam = (
  fallback: string,
  example: string,
  choices: readonly string[],
  meta: Omit<ParamMeta, 'options'>,
) =>
  labelled(
    z
      .string()
      .regex(/^(\w+=\d+(\.\d+)?;?)+$/, `Use Authentik durations such as ${example}.`)
      .default(fallback),
    { ...meta, options: durationChoices(choices) },
  )
