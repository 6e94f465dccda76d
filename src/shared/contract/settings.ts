import { z } from 'zod'
import { SettingsSchema } from '../settings'
import { method } from './define'

/** What the form sends: the settings schema's input (defaulted fields may be left out). */
export const SettingsInputSchema = SettingsSchema

export const settings = {
  get: method({
    summary: 'The saved settings, or null before the first-run form was filled in',
    input: z.strictObject({}),
    output: SettingsSchema.nullable(),
  }),
  save: method({
    summary: 'Validate and save the settings (field errors name the field)',
    input: SettingsSchema,
    output: SettingsSchema,
  }),
}
