/** R6: every login needs a second factor (TOTP by default); users without one enrol first. */
import { z } from 'zod'
import { ref } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import { binding, existingFlow, existingStage, slugs, stageNames } from './defaults'
import { labelled } from './param-fields'
import { defineRecipe } from './recipe'
import type { JsonObject } from '../authentik/rest'

const DeviceClass = z.enum(['static', 'totp', 'webauthn', 'duo', 'sms', 'email'])

export const r6MfaTotp = defineRecipe({
  id: 'r6',
  title: 'MFA enforcement (TOTP)',
  section: 'MFA',
  summary:
    'The MFA validation stage accepts the chosen device classes and makes users without an authenticator set up TOTP; source enrollment gets the MFA step before login.',
  params: z.strictObject({
    deviceClasses: labelled(
      z
        .array(DeviceClass)
        .min(1)
        .default(['totp'])
        // The configuration stage enrols a TOTP device; if TOTP were not accepted, a user who
        // just enrolled could not pass the stage: a lock-out.
        .refine((list) => list.includes('totp'), 'TOTP must stay allowed: it is what users enrol.'),
      {
        label: 'Allowed device classes',
        help: 'TOTP must stay selected: it is the authenticator users are asked to set up.',
      },
    ),
  }),
  desired: (p) => [
    existingStage('stage:totp-setup', kinds.totpStage, stageNames.totpSetup),
    existingStage('stage:mfa-validation', kinds.validateStage, stageNames.mfaValidation, {
      device_classes: p.deviceClasses,
      not_configured_action: 'configure',
      configuration_stages: [ref('stage:totp-setup')],
    }),
    existingFlow('flow:source-enrollment', slugs.sourceEnrollment),
    existingStage('stage:enrollment-login', kinds.userLoginStage, stageNames.enrollmentLogin),
    // Login moves to 3 first so MFA can take 2.
    binding('binding:login', 'flow:source-enrollment', 'stage:enrollment-login', 3, 'existing'),
    binding('binding:mfa', 'flow:source-enrollment', 'stage:mfa-validation', 2),
  ],
  async checks(_p, ctx) {
    // Who will be asked to enrol at the next login: active superusers without any device.
    const admins = await ctx.rest.list<JsonObject>(
      '/core/users/',
      { is_superuser: true, is_active: true },
      'list the admins',
    )
    const without: string[] = []
    for (const admin of admins) {
      const devices = await ctx.rest.get<unknown[]>(
        '/authenticators/admin/all/',
        { user: Number(admin.pk) },
        `list the authenticators of ${String(admin.username)}`,
      )
      if (Array.isArray(devices) && devices.length === 0) without.push(String(admin.username))
    }
    if (without.length === 0) return []
    return [
      {
        code: 'ADMINS_WITHOUT_MFA',
        message: `These admins have no authenticator yet and will have to set up TOTP at their next login: ${without.join(', ')}.`,
        hint: 'Keep an authenticator app at hand for that login. Gatehouse itself uses an API token and is not affected.',
        // MFA becomes mandatory for people: read and acknowledged before anything is written.
        acknowledge: true,
      },
    ]
  },
})
