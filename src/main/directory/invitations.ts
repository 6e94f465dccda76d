import type { InvitationFlow, InvitationRow, ParsedInputOf } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { AuthentikClient } from '../authentik/client'
import { invitationLink } from './links'
import { mapLimited, type DirectoryContext } from './session'
import { flowBindings, readFlow, type AkBindingJson, type AkFlowJson } from './flows'

interface AkInvitationStageJson {
  pk: string
  name: string
  continue_flow_without_invitation?: boolean
}

interface AkInvitationJson {
  pk: string
  name: string
  expires?: string | null
  single_use?: boolean
  fixed_data?: Record<string, unknown>
  flow?: string | null
  flow_obj?: { slug: string; name: string } | null
  created_by?: { username: string } | null
}

const INVITATION_MODEL = 'authentik_stages_invitation.invitationstage'
const INVITATION_COMPONENT = 'ak-stage-invitation-form'
const isInvitationBinding = (b: AkBindingJson) =>
  b.stage_obj.meta_model_name === INVITATION_MODEL || b.stage_obj.component === INVITATION_COMPONENT

function toInvitationRow(settings: Settings, invitation: AkInvitationJson): InvitationRow {
  const slug = invitation.flow_obj?.slug ?? null
  return {
    pk: invitation.pk,
    name: invitation.name,
    expires: invitation.expires ?? null,
    single_use: invitation.single_use ?? false,
    fixed_data: invitation.fixed_data ?? {},
    flow_slug: slug,
    flow_name: invitation.flow_obj?.name ?? null,
    created_by: invitation.created_by?.username ?? null,
    link: slug ? invitationLink(settings, slug, invitation.pk) : null,
  }
}

/** A flow with the invitation stage bound to it, if any. */
async function describeFlow(
  client: AuthentikClient,
  flow: AkFlowJson,
  stages: Map<string, AkInvitationStageJson>,
): Promise<InvitationFlow> {
  const binding = (await flowBindings(client, flow)).find(isInvitationBinding)
  const stage = binding ? stages.get(binding.stage) : undefined
  return {
    pk: flow.pk,
    slug: flow.slug,
    name: flow.name,
    invitation_stage: binding
      ? {
          pk: binding.stage,
          name: stage?.name ?? binding.stage_obj.name,
          continue_flow_without_invitation: stage?.continue_flow_without_invitation ?? false,
        }
      : null,
  }
}

async function invitationStages(client: AuthentikClient) {
  const stages = await client.rest.list<AkInvitationStageJson>(
    '/stages/invitation/stages/',
    undefined,
    'list invitation stages',
  )
  return new Map(stages.map((s) => [s.pk, s]))
}

const pointlessWarning = (flow: InvitationFlow) =>
  flow.invitation_stage?.continue_flow_without_invitation
    ? `The invitation stage "${flow.invitation_stage.name}" of flow ${flow.slug} has "continue flow without invitation" on: anyone can enroll through this flow without an invitation, so the invitation does not restrict who signs up. Turn it off in Authentik (Flows and Stages → Stages) to make invitations required.`
    : undefined

/** Refuses a flow invitations cannot work with, before anything is created. */
async function invitationFlow(client: AuthentikClient, slug: string): Promise<InvitationFlow> {
  const flow = await readFlow(client, slug)
  const described = await describeFlow(client, flow, await invitationStages(client))
  if (!described.invitation_stage) {
    throw new GatehouseError({
      code: 'FLOW_HAS_NO_INVITATION_STAGE',
      message: `Flow ${slug} has no invitation stage, so an invitation link to it would be ignored: whoever opens it enrolls (or is refused) as if there were no invitation.`,
      hint: 'Choose an enrollment flow that contains an invitation stage (Setup → R8 builds one), or bind an invitation stage to this flow in the Flows panel.',
      details: { flow: slug, designation: flow.designation },
    })
  }
  return described
}

function checkExpiry(expires: string | null): void {
  if (expires !== null && Date.parse(expires) <= Date.now()) {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: 'The expiry lies in the past: the invitation would be dead on arrival.',
      hint: 'Choose a time in the future, or no expiry.',
      details: { issues: [{ path: 'expires', message: 'Choose a time in the future.' }] },
    })
  }
}

export function createInvitationsService(ctx: DirectoryContext) {
  async function createOne(
    client: AuthentikClient,
    settings: Settings,
    flow: InvitationFlow,
    fields: { name: string; expires: string | null; single_use: boolean; fixed_data: object },
  ): Promise<InvitationRow> {
    const created = await client.rest.post<AkInvitationJson>(
      '/stages/invitation/invitations/',
      { ...fields, flow: flow.pk },
      `create invitation ${fields.name}`,
    )
    return toInvitationRow(settings, created)
  }

  return {
    async options() {
      const { client } = await ctx.session()
      const flows = await client.rest.list<AkFlowJson>(
        '/flows/instances/',
        { designation: 'enrollment', ordering: 'slug' },
        'list enrollment flows',
      )
      const stages = await invitationStages(client)
      const described = await mapLimited(
        flows.filter((f) => f.designation === 'enrollment'),
        4,
        (flow) => describeFlow(client, flow, stages),
      )
      return {
        flows: described,
        send_email: client.features.invitationEmail,
        version: client.version.raw,
      }
    },

    async list(input: ParsedInputOf<'invitations.list'>) {
      const { client, settings } = await ctx.session()
      const page = await client.rest.page<AkInvitationJson>(
        '/stages/invitation/invitations/',
        {
          page: input.page,
          page_size: input.page_size,
          search: input.search || undefined,
          flow__slug: input.flow,
        },
        'list invitations',
      )
      return {
        count: page.count,
        page: input.page,
        next: page.next,
        results: page.results.map((i) => toInvitationRow(settings, i)),
      }
    },

    async create(input: ParsedInputOf<'invitations.create'>) {
      const { client, settings } = await ctx.session()
      checkExpiry(input.expires)
      const flow = await invitationFlow(client, input.flow)
      const { flow: _slug, ...fields } = input
      const row = await createOne(client, settings, flow, fields)
      const warning = pointlessWarning(flow)
      return warning ? { ...row, warning } : row
    },

    async createBulk(input: ParsedInputOf<'invitations.createBulk'>) {
      const { client, settings } = await ctx.session()
      checkExpiry(input.expires)
      const flow = await invitationFlow(client, input.flow)
      const width = Math.max(3, String(input.count).length)
      const names = Array.from(
        { length: input.count },
        (_, i) => `${input.prefix}-${String(i + 1).padStart(width, '0')}`,
      )
      // A handful in flight at once: fast enough for 500, gentle on a NAS-sized Authentik.
      const created = await mapLimited(names, 6, (name) =>
        createOne(client, settings, flow, {
          name,
          expires: input.expires,
          single_use: input.single_use,
          fixed_data: input.fixed_data,
        }),
      )
      const warning = pointlessWarning(flow)
      return warning ? { created, warning } : { created }
    },

    async delete({ pk }: ParsedInputOf<'invitations.delete'>) {
      const { client } = await ctx.session()
      await client.rest.delete(`/stages/invitation/invitations/${pk}/`, 'revoke an invitation')
      return { deleted: true as const }
    },

    async sendEmail(input: ParsedInputOf<'invitations.sendEmail'>) {
      const { client } = await ctx.session()
      if (!client.features.invitationEmail) {
        throw new GatehouseError({
          code: 'AUTHENTIK_FEATURE_MISSING',
          message: `Authentik ${client.version.raw} cannot send invitations by e-mail; that arrived in Authentik 2026.5.`,
          hint: 'Copy the link (or the QR code) and send it yourself, or upgrade Authentik.',
          details: { version: client.version.raw, needs: '2026.5' },
        })
      }
      await client.rest.post(
        `/stages/invitation/invitations/${input.pk}/send_email/`,
        {
          email_addresses: input.email_addresses,
          cc_addresses: input.cc_addresses,
          bcc_addresses: input.bcc_addresses,
        },
        'send an invitation by e-mail',
      )
      return {
        sent: input.email_addresses.length + input.cc_addresses.length + input.bcc_addresses.length,
      }
    },
  }
}
