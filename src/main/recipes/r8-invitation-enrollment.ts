/** R8: enrollment by invitation only, with e-mail confirmation; the invitations panel uses its flow. */
import { z } from 'zod'
import { owned, ref } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import type { JsonObject } from '../authentik/rest'
import { binding, existing, existingStage, groupWithUsers, stageNames } from './defaults'
import { labelled, nameParam, slugParam } from './param-fields'
import { defineRecipe } from './recipe'

/** The prompts the guide puts on the enrollment prompt stage (default objects of a fresh install). */
export const enrollmentPrompts = [
  'default-user-settings-field-username',
  'default-user-settings-field-name',
  'default-user-settings-field-email',
  'initial-setup-field-password',
  'initial-setup-field-password-repeat',
] as const

export const r8InvitationEnrollment = defineRecipe({
  id: 'r8',
  title: 'Invitation-only enrollment',
  section: 'Invitations',
  summary:
    'An "authentik Users" group, an enrollment flow that needs an invitation and confirms the e-mail address, and the prompt fields it asks.',
  params: z.strictObject({
    groupName: nameParam('authentik Users', 'Group for new users', 150),
    flowSlug: slugParam('enrollment-invitation', 'Enrollment flow slug'),
    addExistingUsers: labelled(z.boolean().default(true), {
      label: 'Put the existing normal users into the group',
      help: 'Active internal users who are not admins, when R8 creates the group; later members are yours to manage.',
    }),
    passwordPolicy: labelled(z.string().trim().max(200).default('password-complexity'), {
      label: 'Password policy for new users',
      help: 'Made by R5; skipped with a warning while it does not exist.',
    }),
  }),
  async desired(p, ctx) {
    // "The existing normal users" are those of the first apply, when R8 creates the group. Once
    // the group exists its members are the admin's: a user created later in the Users panel
    // must not make R8 look drifted, nor be pulled into the group by the next apply (#14).
    const groupExists = (
      await ctx.rest.list<JsonObject>(
        '/core/groups/',
        { name: p.groupName },
        `find the group ${p.groupName}`,
      )
    ).some((g) => g.name === p.groupName)
    const normalUsers =
      p.addExistingUsers && !groupExists
        ? (
            await ctx.rest.list<JsonObject>(
              '/core/users/',
              { type: 'internal', is_active: true, is_superuser: false },
              'list the normal users',
            )
          ).map((u) => Number(u.pk))
        : []
    return [
      groupWithUsers('group', p.groupName, {
        is_superuser: false,
        ...(p.addExistingUsers && !groupExists ? { users: owned(normalUsers) } : {}),
      }),
      {
        key: 'stage:write',
        kind: kinds.userWriteStage,
        ensure: 'present',
        identity: { name: 'enrollment-invitation-write' },
        fields: {
          user_creation_mode: 'create_when_required',
          create_users_as_inactive: false,
          user_type: 'internal',
          create_users_group: ref('group'),
        },
      },
      {
        key: 'stage:invitation',
        kind: kinds.invitationStage,
        ensure: 'present',
        identity: { name: 'enrollment-invitation' },
        // With this on, anyone could enrol without an invitation: the recipe's whole point.
        fields: { continue_flow_without_invitation: false },
      },
      {
        key: 'stage:email',
        kind: kinds.emailStage,
        ensure: 'present',
        identity: { name: 'enrollment-invitation-email' },
        fields: {
          use_global_settings: true,
          subject: 'Account Confirmation',
          template: 'email/account_confirmation.html',
        },
      },
      {
        key: 'flow',
        kind: kinds.flow,
        ensure: 'present',
        identity: { slug: p.flowSlug },
        fields: {
          name: 'Enrollment Invitation',
          title: 'Enrollment Invitation',
          designation: 'enrollment',
          compatibility_mode: true,
        },
      },
      ...enrollmentPrompts.map((name) => existing(`prompt:${name}`, kinds.prompt, { name })),
      {
        key: 'policy',
        kind: kinds.passwordPolicy,
        ensure: 'optional' as const,
        identity: { name: p.passwordPolicy },
        missingHint: 'Apply R5 (password policy) first, then plan R8 again.',
      },
      existingStage('stage:prompt', kinds.promptStage, stageNames.enrollmentPrompt, {
        fields: owned(enrollmentPrompts.map((name) => ref(`prompt:${name}`))),
        validation_policies: owned([ref('policy')]),
      }),
      existingStage('stage:login', kinds.userLoginStage, stageNames.enrollmentLogin),
      binding('binding:invitation', 'flow', 'stage:invitation', 10),
      binding('binding:prompt', 'flow', 'stage:prompt', 20),
      binding('binding:write', 'flow', 'stage:write', 30),
      binding('binding:email', 'flow', 'stage:email', 40),
      binding('binding:login', 'flow', 'stage:login', 50),
    ]
  },
  notes: (p, ctx) => [
    `Invitation links look like ${ctx.authentikHost}/if/flow/${p.flowSlug}/?itoken=<invitation id>; create them in the Invitations panel.`,
    `The prompt stage ${stageNames.enrollmentPrompt} is shared with default-source-enrollment, so that flow asks the same fields (the guide intends this).`,
  ],
})
