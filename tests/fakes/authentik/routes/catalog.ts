/** Read-only access to the default objects of a fresh install (flows, stages, outposts, …). */
import { serializeCatalog } from '../serialize'
import type { CatalogKind } from '../state'
import { notFound, type JsonObject } from '../types'
import { ok, requireSuperuser, type Ctx, type HandlerMap } from './context'
import { exact, icontains, iexact, listReply, type ListConfig } from './list'

function items(ctx: Ctx, kind: CatalogKind): JsonObject[] {
  return ctx.state.catalog[kind].map((record) => serializeCatalog(ctx.state, kind, record))
}

function list(kind: CatalogKind, config: ListConfig) {
  return (ctx: Ctx) => {
    requireSuperuser(ctx)
    return listReply(ctx, items(ctx, kind), config)
  }
}

function retrieve(kind: CatalogKind, param: string, field: string) {
  return (ctx: Ctx) => {
    requireSuperuser(ctx)
    const found = items(ctx, kind).find((item) => item[field] === ctx.params[param])
    if (!found) throw notFound()
    return ok(found)
  }
}

export const catalogHandlers: HandlerMap = {
  flows_instances_list: list('flows', {
    filters: {
      slug: exact('slug'),
      name: exact('name'),
      designation: exact('designation'),
      flow_uuid: exact('pk'),
      denied_action: exact('denied_action'),
    },
    searchFields: ['slug', 'name', 'title'],
    ordering: 'slug',
  }),
  flows_instances_retrieve: retrieve('flows', 'slug', 'slug'),

  stages_all_list: list('stages', {
    filters: { name: exact('name') },
    searchFields: ['name'],
    ordering: 'name',
  }),
  stages_all_retrieve: retrieve('stages', 'stage_uuid', 'pk'),

  stages_prompt_prompts_list: list('prompts', {
    filters: {
      name: exact('name'),
      field_key: exact('field_key'),
      label: exact('label'),
      type: exact('type'),
      placeholder: exact('placeholder'),
    },
    searchFields: ['name', 'label', 'field_key'],
    ordering: 'name',
  }),

  policies_password_list: list('passwordPolicies', {
    filters: { name: exact('name'), policy_uuid: exact('pk') },
    searchFields: ['name'],
    ordering: 'name',
  }),

  propertymappings_provider_scope_list: list('scopeMappings', {
    filters: {
      managed: (item, value) => (value as string[]).includes(String(item.managed)),
      managed__isnull: (item, value) => (item.managed === null) === value,
      name: exact('name'),
      scope_name: exact('scope_name'),
    },
    searchFields: ['name', 'scope_name', 'description'],
    ordering: 'scope_name',
  }),

  outposts_instances_list: list('outposts', {
    filters: {
      managed__iexact: iexact('managed'),
      managed__icontains: icontains('managed'),
      name__iexact: iexact('name'),
      name__icontains: icontains('name'),
      providers__isnull: (item, value) => ((item.providers as number[]).length === 0) === value,
      providers_by_pk: (item, value) =>
        (value as number[]).some((pk) => (item.providers as number[]).includes(pk)),
    },
    searchFields: ['name'],
    ordering: 'name',
  }),
  outposts_instances_retrieve: retrieve('outposts', 'uuid', 'pk'),

  core_brands_list: list('brands', {
    filters: {
      domain: exact('domain'),
      default: exact('default'),
      brand_uuid: exact('brand_uuid'),
    },
    searchFields: ['domain', 'branding_title'],
    ordering: 'domain',
  }),

  crypto_certificatekeypairs_list: list('certificates', {
    filters: {
      name: exact('name'),
      managed: exact('managed'),
      has_key: exact('private_key_available'),
    },
    searchFields: ['name'],
    ordering: 'name',
    representation: ['include_details'],
  }),
}
