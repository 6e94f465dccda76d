import type { BindingRow, FlowRow, ParsedInputOf, StageRow } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { AuthentikClient } from '../authentik/client'
import { flowAdminUrl } from './admin-urls'
import type { DirectoryContext } from './session'

export interface AkFlowJson {
  pk: string
  slug: string
  name: string
  title: string
  designation: FlowRow['designation']
}

export interface AkStageJson {
  pk: string
  name: string
  component: string
  verbose_name: string
  meta_model_name?: string
}

export interface AkBindingJson {
  pk: string
  target: string
  stage: string
  stage_obj: AkStageJson
  order: number
}

export const toFlowRow = (client: AuthentikClient, flow: AkFlowJson): FlowRow => ({
  pk: flow.pk,
  slug: flow.slug,
  name: flow.name,
  title: flow.title,
  designation: flow.designation,
  admin_url: flowAdminUrl(client, flow.slug),
})

const toStageRow = (stage: AkStageJson): StageRow => ({
  pk: stage.pk,
  name: stage.name,
  component: stage.component,
  verbose_name: stage.verbose_name,
})

const toBindingRow = (binding: AkBindingJson): BindingRow => ({
  pk: binding.pk,
  order: binding.order,
  stage: toStageRow(binding.stage_obj),
})

/** A flow by slug; the detail path of flows is the slug (API map, section 0). */
export async function readFlow(client: AuthentikClient, slug: string): Promise<AkFlowJson> {
  return client.rest.get<AkFlowJson>(
    `/flows/instances/${encodeURIComponent(slug)}/`,
    undefined,
    `read flow ${slug}`,
  )
}

/** A flow's bindings sorted by order (ties by pk, so the result is stable). */
export async function flowBindings(
  client: AuthentikClient,
  flow: AkFlowJson,
): Promise<AkBindingJson[]> {
  const bindings = await client.rest.list<AkBindingJson>(
    '/flows/bindings/',
    { target: flow.pk, ordering: 'order' },
    `list the stages of flow ${flow.slug}`,
  )
  // Filtered again: a server that ignored `target` must not show another flow's stages here.
  return bindings
    .filter((b) => b.target === flow.pk)
    .sort((a, b) => a.order - b.order || a.pk.localeCompare(b.pk))
}

export function createFlowsService(ctx: DirectoryContext) {
  async function bindingsOf(client: AuthentikClient, slug: string) {
    const flow = await readFlow(client, slug)
    const bindings = await flowBindings(client, flow)
    return { flow, bindings }
  }

  return {
    async list({ designation, search }: ParsedInputOf<'flows.list'>) {
      const { client } = await ctx.session()
      const flows = await client.rest.list<AkFlowJson>(
        '/flows/instances/',
        { designation, search: search || undefined, ordering: 'slug' },
        'list flows',
      )
      return {
        results: flows
          .filter((f) => !designation || f.designation === designation)
          .map((f) => toFlowRow(client, f)),
      }
    },

    async bindings({ slug }: ParsedInputOf<'flows.bindings'>) {
      const { client } = await ctx.session()
      const { flow, bindings } = await bindingsOf(client, slug)
      return { flow: toFlowRow(client, flow), bindings: bindings.map(toBindingRow) }
    },

    async stages({ search }: ParsedInputOf<'flows.stages'>) {
      const { client } = await ctx.session()
      const stages = await client.rest.list<AkStageJson>(
        '/stages/all/',
        { search: search || undefined, ordering: 'name' },
        'list stages',
      )
      return { results: stages.map(toStageRow) }
    },

    async bind({ slug, stage, order }: ParsedInputOf<'flows.bind'>) {
      const { client } = await ctx.session()
      const { flow, bindings } = await bindingsOf(client, slug)
      const last = bindings.at(-1)?.order ?? 0
      const created = await client.rest.post<AkBindingJson>(
        '/flows/bindings/',
        { target: flow.pk, stage, order: order ?? last + 10 },
        `bind a stage to flow ${slug}`,
      )
      return toBindingRow(created)
    },

    async unbind({ binding }: ParsedInputOf<'flows.unbind'>) {
      const { client } = await ctx.session()
      await client.rest.delete(`/flows/bindings/${binding}/`, 'remove a stage binding')
      return { removed: true as const }
    },

    async reorder({ slug, bindings: wanted }: ParsedInputOf<'flows.reorder'>) {
      const { client } = await ctx.session()
      const { flow, bindings } = await bindingsOf(client, slug)
      const current = new Map(bindings.map((b) => [b.pk, b]))
      const same =
        wanted.length === current.size &&
        new Set(wanted).size === wanted.length &&
        wanted.every((pk) => current.has(pk))
      if (!same) {
        throw new GatehouseError({
          code: 'VALIDATION_FAILED',
          message: `The stages of flow ${slug} changed since they were shown; the new order names other bindings than the flow has.`,
          hint: 'Reload the flow and arrange its stages again.',
          details: { issues: [{ path: 'bindings', message: 'Not the bindings of this flow.' }] },
        })
      }
      let changed = 0
      for (const [index, pk] of wanted.entries()) {
        const order = (index + 1) * 10
        if (current.get(pk)?.order === order) continue
        await client.rest.patch(`/flows/bindings/${pk}/`, { order }, `reorder flow ${slug}`)
        changed += 1
      }
      const after = await flowBindings(client, flow)
      return { flow: toFlowRow(client, flow), bindings: after.map(toBindingRow), changed }
    },
  }
}
