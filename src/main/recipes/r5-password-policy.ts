/** R5: one password policy with static rules, the only validation policy of both password prompts. */
import { z } from 'zod'
import { owned, ref } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import { binding, existingFlow, existingStage, slugs, stageNames } from './defaults'
import { labelled, nameParam } from './param-fields'
import { defineRecipe } from './recipe'

const DEFAULT_MESSAGE =
  'Use at least 12 characters with an upper-case letter, a lower-case letter, a digit and a symbol.'

const count = (min: number, max: number, fallback: number, label: string) =>
  labelled(z.number().int().min(min).max(max).default(fallback), label)

export const r5PasswordPolicy = defineRecipe({
  id: 'r5',
  title: 'Password policy',
  section: 'Password policy',
  summary:
    'A password-complexity policy that becomes the validation policy of the enrollment and password-change prompts, replacing the default one.',
  params: z.strictObject({
    policyName: nameParam('password-complexity', 'Policy name'),
    lengthMin: count(8, 128, 12, 'Minimum length'),
    amountUppercase: count(0, 20, 1, 'Upper-case letters'),
    amountLowercase: count(0, 20, 1, 'Lower-case letters'),
    amountDigits: count(0, 20, 1, 'Digits'),
    amountSymbols: count(0, 20, 1, 'Symbols'),
    errorMessage: nameParam(DEFAULT_MESSAGE, 'Message shown when a password is refused', 500),
  }),
  desired: (p) => [
    {
      key: 'policy',
      kind: kinds.passwordPolicy,
      ensure: 'present',
      identity: { name: p.policyName },
      fields: {
        check_static_rules: true,
        length_min: p.lengthMin,
        amount_uppercase: p.amountUppercase,
        amount_lowercase: p.amountLowercase,
        amount_digits: p.amountDigits,
        amount_symbols: p.amountSymbols,
        error_message: p.errorMessage,
        check_have_i_been_pwned: false,
        check_zxcvbn: false,
      },
    },
    {
      key: 'policy:default-password-change',
      kind: kinds.passwordPolicy,
      ensure: 'optional',
      identity: { name: 'default-password-change-password-policy' },
    },
    // Owned lists: the recipe adds its policy and removes Authentik's default one; a policy the
    // admin added by hand stays.
    existingStage('stage:enrollment-prompt', kinds.promptStage, stageNames.enrollmentPrompt, {
      validation_policies: owned([ref('policy')], [ref('policy:default-password-change')]),
    }),
    existingStage(
      'stage:password-change-prompt',
      kinds.promptStage,
      stageNames.passwordChangePrompt,
      {
        validation_policies: owned([ref('policy')], [ref('policy:default-password-change')]),
      },
    ),
    // The default policy also sits on the write step's binding of the password-change flow
    // (API map step F4), where it would still refuse passwords the new policy accepts.
    existingFlow('flow:password-change', slugs.passwordChange),
    existingStage(
      'stage:password-change-write',
      kinds.userWriteStage,
      stageNames.passwordChangeWrite,
    ),
    binding(
      'binding:password-change-write',
      'flow:password-change',
      'stage:password-change-write',
      1,
      'optional',
    ),
    {
      key: 'policy-binding:default-password-change',
      kind: kinds.policyBinding,
      ensure: 'absent',
      identity: {
        target: ref('binding:password-change-write'),
        policy: ref('policy:default-password-change'),
      },
      title: 'binding of default-password-change-password-policy on the password-change write step',
    },
  ],
})
