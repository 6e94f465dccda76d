/** R7: self-service password recovery by e-mail, linked from the login page. */
import { z } from 'zod'
import { durationParam, nameParam, slugParam } from './param-fields'
import { ref } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import { binding, existing, existingStage, stageNames } from './defaults'
import { defineRecipe } from './recipe'

export const r7Recovery = defineRecipe({
  id: 'r7',
  title: 'Self-service recovery',
  section: 'Password recovery',
  summary:
    'A recovery flow (identify by username or e-mail, e-mail link, new password) linked from the login page and set as the default brand’s recovery flow (what recovery links use).',
  params: z.strictObject({
    flowSlug: slugParam('recovery', 'Recovery flow slug'),
    emailSubject: nameParam('Authentik password recovery', 'Recovery e-mail subject', 255),
    tokenExpiry: durationParam(
      'minutes=30',
      'minutes=30',
      ['minutes=15', 'minutes=30', 'hours=2'],
      {
        label: 'Link valid for',
      },
    ),
  }),
  desired: (p) => [
    {
      key: 'stage:recovery-identification',
      kind: kinds.identificationStage,
      ensure: 'present',
      identity: { name: 'recovery-authentication-identification' },
      fields: { user_fields: ['username', 'email'] },
    },
    {
      key: 'stage:recovery-email',
      kind: kinds.emailStage,
      ensure: 'present',
      identity: { name: 'recovery-email' },
      fields: {
        // The model default is false, which makes the stage ignore the SMTP settings of the
        // stack and try localhost:25 (API map step H2).
        use_global_settings: true,
        subject: p.emailSubject,
        template: 'email/password_reset.html',
        token_expiry: p.tokenExpiry,
      },
    },
    {
      key: 'flow:recovery',
      kind: kinds.flow,
      ensure: 'present',
      identity: { slug: p.flowSlug },
      fields: { name: 'Recovery', title: 'Recovery', designation: 'recovery' },
    },
    existingStage(
      'stage:password-change-prompt',
      kinds.promptStage,
      stageNames.passwordChangePrompt,
    ),
    existingStage(
      'stage:password-change-write',
      kinds.userWriteStage,
      stageNames.passwordChangeWrite,
    ),
    binding('binding:identification', 'flow:recovery', 'stage:recovery-identification', 10),
    binding('binding:email', 'flow:recovery', 'stage:recovery-email', 20),
    binding('binding:prompt', 'flow:recovery', 'stage:password-change-prompt', 30),
    binding('binding:write', 'flow:recovery', 'stage:password-change-write', 40),
    // Last, so the login page links to a flow that is complete.
    existingStage(
      'stage:login-identification',
      kinds.identificationStage,
      stageNames.identification,
      {
        recovery_flow: ref('flow:recovery'),
      },
    ),
    // The brand's recovery flow is what Authentik builds recovery links from (Users → "Recovery
    // link", `POST /core/users/{id}/recovery/`): without it they fail with "No recovery flow set."
    existing(
      'brand:default',
      kinds.brand,
      { default: true },
      { flow_recovery: ref('flow:recovery') },
    ),
  ],
})
