/** R4: identification and password on one page, so password managers fill both. */
import { z } from 'zod'
import { ref } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import { binding, existingFlow, existingStage, slugs, stageNames } from './defaults'
import { labelled } from './param-fields'
import { defineRecipe } from './recipe'

export const r4PasswordManagerLogin = defineRecipe({
  id: 'r4',
  title: 'Password-manager-friendly login',
  section: 'Password manager friendly login',
  summary:
    'The identification stage asks for the password too, and the separate password step is removed from the default authentication flow.',
  params: z.strictObject({
    rememberMe: labelled(z.boolean().default(false), {
      label: 'Offer "remember me"',
      help: 'Lets users stay identified on a device (Authentik’s enable_remember_me).',
    }),
  }),
  desired: (p) => [
    existingFlow('flow:authentication', slugs.authentication),
    existingStage('stage:password', kinds.passwordStage, stageNames.password),
    // The password must already be asked by identification before its own step goes away;
    // the order of these two objects is what keeps the admin from being locked out.
    existingStage('stage:identification', kinds.identificationStage, stageNames.identification, {
      password_stage: ref('stage:password'),
      enable_remember_me: p.rememberMe,
    }),
    // Without identification in the flow, removing the password step would leave no password.
    binding(
      'binding:identification',
      'flow:authentication',
      'stage:identification',
      10,
      'optional',
    ),
    {
      ...binding('binding:password', 'flow:authentication', 'stage:password', 20),
      ensure: 'absent',
    },
  ],
  async checks(_p, _ctx, read) {
    if (read.objects.get('binding:identification') === null)
      return [
        {
          code: 'IDENTIFICATION_NOT_BOUND',
          message: `${stageNames.identification} is not bound in ${slugs.authentication}; with the password step removed nobody could log in with a password.`,
          hint: 'Bind the identification stage into the authentication flow first (Flows panel), then plan again.',
          blocking: true,
        },
      ]
    return []
  },
})
