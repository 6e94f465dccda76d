/**
 * The generic writable-resource engine: a kind is declared once (operationId prefix, store,
 * lookup field, model defaults, computed read-only fields, uniqueness, references, cascades) and
 * gets list/create/retrieve/update/partial_update/destroy handlers that behave like DRF's
 * ModelViewSet. Responses are projected onto the property names the version's own response schema
 * declares, so one record serves both versions.
 *
 * Records are stored snake_case as the API names the fields; keys starting with `_` are internal
 * (e.g. `_type` of a polymorphic stage) and never leave the fake.
 */
import type { LoadedSchema } from './openapi'
import type { FakeState } from './state'
import { HttpError, notFound, type JsonObject } from './types'
import {
  bodyObject,
  noContent,
  ok,
  requireSuperuser,
  type Ctx,
  type HandlerMap,
} from './routes/context'
import { listReply, type Filter } from './routes/list'

export type Rec = JsonObject

export type Collection =
  | 'flows'
  | 'bindings'
  | 'stages'
  | 'prompts'
  | 'policies'
  | 'policyBindings'
  | 'invitations'
  | 'providers'
  | 'applications'
  | 'propertyMappings'
  | 'outposts'
  | 'brands'
  | 'certificates'
  | 'devices'

export const COLLECTIONS: readonly Collection[] = [
  'flows',
  'bindings',
  'stages',
  'prompts',
  'policies',
  'policyBindings',
  'invitations',
  'providers',
  'applications',
  'propertyMappings',
  'outposts',
  'brands',
  'certificates',
  'devices',
]

export type Op = 'list' | 'create' | 'retrieve' | 'update' | 'partial_update' | 'destroy'
const ALL_OPS: readonly Op[] = ['list', 'create', 'retrieve', 'update', 'partial_update', 'destroy']

/** The read-only model metadata every polymorphic Authentik serializer adds. */
export interface Meta {
  component: string
  verbose_name: string
  verbose_name_plural: string
  meta_model_name: string
}

export interface RefSpec {
  collection: Collection
  /** Only records of this `_type` count (e.g. a flow-stage binding's `stage` is any stage). */
  type?: string
  many?: boolean
}

export interface ResourceDef {
  /** operationId prefix, e.g. `stages_identification`. */
  prefix: string
  collection: Collection
  /** `_type` of records in a polymorphic collection this endpoint serves. */
  type?: string
  /** Path parameter name of the detail routes. */
  param: string
  /** Record field the path parameter matches (`pk`, or `slug` for flows and applications). */
  lookup?: string
  /** How a new pk is made. */
  pk: 'uuid' | 'int'
  ops?: readonly Op[]
  meta?: Meta
  /** Django's `Meta.verbose_name` for uniqueness messages. */
  modelName: string
  ordering: string
  search: string[]
  /** Filters that need more than the generic rules (see `genericFilter`). */
  filters?: Record<string, Filter>
  representation?: string[]
  /** Model defaults for fields a create may omit. */
  defaults?: (state: FakeState) => Rec
  /** Unique model fields → 400 `{field: ["<model> with this <field> already exists."]}`. */
  unique?: string[]
  refs?: Record<string, RefSpec>
  /** Read-only fields computed on every read (`*_obj`, counts, urls…). */
  computed?: (state: FakeState, rec: Rec, schema: LoadedSchema) => JsonObject
  /** Extra validation of the merged record before it is saved; throw HttpError(400…). */
  validate?: (ctx: Ctx, next: Rec, prev: Rec | null) => void
  /** Values the server forces on every save (e.g. the proxy provider's OAuth defaults). */
  beforeSave?: (ctx: Ctx, next: Rec, prev: Rec | null) => void
  /** Cascades: delete what hangs on this record. */
  onDelete?: (state: FakeState, rec: Rec) => void
}

// ---- schema look-ups ----------------------------------------------------------------------------

const responseComponents = new WeakMap<LoadedSchema, Map<string, string | null>>()

/** The component a successful response of `operationId` is (the item of a paginated list). */
export function responseComponent(schema: LoadedSchema, operationId: string): string | null {
  let cache = responseComponents.get(schema)
  if (!cache) {
    cache = new Map()
    const paths = schema.raw.paths as Record<string, Record<string, JsonObject>>
    for (const methods of Object.values(paths)) {
      for (const operation of Object.values(methods)) {
        if (typeof operation !== 'object' || typeof operation.operationId !== 'string') continue
        const responses = (operation.responses ?? {}) as Record<string, JsonObject>
        const success = responses['200'] ?? responses['201']
        const content = success?.content as Record<string, { schema?: JsonObject }> | undefined
        let ref = content?.['application/json']?.schema?.$ref as string | undefined
        const items = content?.['application/json']?.schema?.items as JsonObject | undefined
        if (!ref && items) ref = items.$ref as string | undefined
        let name = ref ? ref.split('/').pop()! : null
        if (name?.startsWith('Paginated')) {
          const results = (schema.components[name]?.properties as JsonObject | undefined)
            ?.results as JsonObject | undefined
          name = String((results?.items as JsonObject | undefined)?.$ref ?? '')
            .split('/')
            .pop()!
        }
        cache.set(operation.operationId, name)
      }
    }
    responseComponents.set(schema, cache)
  }
  return cache.get(operationId) ?? null
}

const propertyNames = new WeakMap<LoadedSchema, Map<string, string[]>>()

/** The property names `component` declares in this version's schema. */
export function declaredFields(schema: LoadedSchema, component: string): string[] {
  let cache = propertyNames.get(schema)
  if (!cache) {
    cache = new Map()
    propertyNames.set(schema, cache)
  }
  let names = cache.get(component)
  if (!names) {
    const properties = schema.components[component]?.properties as JsonObject | undefined
    if (!properties) throw new Error(`schema ${schema.version} has no component ${component}`)
    names = Object.keys(properties)
    cache.set(component, names)
  }
  return names
}

/** Only the fields `component` declares (in its order); absent ones stay absent. */
export function project(schema: LoadedSchema, component: string, object: JsonObject): JsonObject {
  const out: JsonObject = {}
  for (const name of declaredFields(schema, component)) {
    if (Object.hasOwn(object, name)) out[name] = object[name]
  }
  return out
}

// ---- records ------------------------------------------------------------------------------------

export function recordsOf(state: FakeState, def: Pick<ResourceDef, 'collection' | 'type'>): Rec[] {
  const all = [...state.store[def.collection].values()]
  return def.type === undefined ? all : all.filter((rec) => rec._type === def.type)
}

/** The full read representation of a record (before projection). */
export function expand(state: FakeState, schema: LoadedSchema, def: ResourceDef, rec: Rec): Rec {
  return { ...rec, ...(def.meta ?? {}), ...(def.computed?.(state, rec, schema) ?? {}) }
}

export function render(ctx: Ctx, def: ResourceDef, rec: Rec): JsonObject {
  const component =
    responseComponent(ctx.schema, `${def.prefix}_retrieve`) ??
    responseComponent(ctx.schema, `${def.prefix}_list`)
  if (!component) throw new Error(`no response component for ${def.prefix}`)
  return project(ctx.schema, component, expand(ctx.state, ctx.schema, def, rec))
}

function find(ctx: Ctx, def: ResourceDef): Rec {
  const key = def.lookup ?? 'pk'
  const wanted = ctx.params[def.param]
  for (const rec of recordsOf(ctx.state, def)) if (rec[key] === wanted) return rec
  throw notFound()
}

export const invalidPk = (field: string, pk: unknown): HttpError =>
  new HttpError(400, { [field]: [`Invalid pk "${String(pk)}" - object does not exist.`] })

export function checkRefs(state: FakeState, refs: Record<string, RefSpec>, next: Rec): void {
  for (const [field, spec] of Object.entries(refs)) {
    const value = next[field]
    if (value === null || value === undefined) continue
    const pks = spec.many ? (value as unknown[]) : [value]
    for (const pk of pks) {
      const target = state.store[spec.collection].get(pk as string)
      if (!target || (spec.type !== undefined && target._type !== spec.type)) {
        throw invalidPk(field, pk)
      }
    }
  }
}

function checkUnique(ctx: Ctx, def: ResourceDef, next: Rec, prev: Rec | null): void {
  for (const field of def.unique ?? []) {
    // Uniqueness is per table: all stages share `name`, all policies too.
    for (const other of ctx.state.store[def.collection].values()) {
      if (other !== prev && other[field] === next[field]) {
        throw new HttpError(400, {
          [field]: [`${def.modelName} with this ${field} already exists.`],
        })
      }
    }
  }
}

/** Create or update: merge, validate, force server values, store. PUT and PATCH both merge
 * (DRF's `update()` only touches validated fields; PUT merely requires the required ones, which
 * the request schema already checks). Lists and JSON objects in the body replace the old value. */
export function save(ctx: Ctx, def: ResourceDef, prev: Rec | null, body: JsonObject): Rec {
  const next: Rec = prev
    ? { ...prev, ...body }
    : {
        ...(def.defaults?.(ctx.state) ?? {}),
        ...body,
        pk: def.pk === 'int' ? ctx.state.nextInt(def.collection) : crypto.randomUUID(),
      }
  if (def.type !== undefined) next._type = def.type
  checkUnique(ctx, def, next, prev)
  if (def.refs) checkRefs(ctx.state, def.refs, next)
  def.validate?.(ctx, next, prev)
  def.beforeSave?.(ctx, next, prev)
  if (prev) {
    for (const key of Object.keys(prev)) delete prev[key]
    Object.assign(prev, next)
    return prev
  }
  ctx.state.store[def.collection].set(next.pk as string, next)
  return next
}

export function destroy(state: FakeState, def: ResourceDef, rec: Rec): void {
  def.onDelete?.(state, rec)
  state.store[def.collection].delete(rec.pk as string)
}

// ---- list filters -------------------------------------------------------------------------------

const lower = (value: unknown): string => String(value ?? '').toLowerCase()

/**
 * django-filter's behaviour for a declared parameter the kind does not spell out: a field of the
 * same name (exact; any-of for array parameters; contains for list fields), `<f>__iexact`,
 * `<f>__icontains`, `<f>__isnull`, and `<x>_uuid` meaning the pk. Anything else is refused.
 */
function genericFilter(name: string, sample: Rec | undefined): Filter | undefined {
  const suffix = /^(.*)__(iexact|icontains|isnull)$/.exec(name)
  if (suffix) {
    const [, field = '', how] = suffix
    if (field.includes('__')) return undefined
    if (how === 'iexact') return (item, value) => lower(item[field]) === lower(value)
    if (how === 'icontains') return (item, value) => lower(item[field]).includes(lower(value))
    return (item, value) => {
      const v = item[field]
      const empty = v === null || v === undefined || (Array.isArray(v) && v.length === 0)
      return empty === value
    }
  }
  if (sample && !Object.hasOwn(sample, name) && name.endsWith('_uuid')) {
    return (item, value) => item.pk === value
  }
  if (sample && !Object.hasOwn(sample, name)) return undefined
  return (item, value) => {
    const v = item[name]
    if (Array.isArray(value)) {
      return Array.isArray(v) ? value.some((x) => v.includes(x)) : value.includes(v)
    }
    if (Array.isArray(v)) return v.includes(value)
    return v === value || (typeof v === 'number' && Number(value) === v)
  }
}

export function listItems(ctx: Ctx, def: ResourceDef, items: Rec[]) {
  const filters: Record<string, Filter> = { ...(def.filters ?? {}) }
  for (const name of Object.keys(ctx.query)) {
    if (filters[name] || def.representation?.includes(name)) continue
    if (['page', 'page_size', 'ordering', 'search'].includes(name)) continue
    // With no records, any declared field name passes (nothing to compare against).
    const generic = genericFilter(name, items[0])
    if (generic) filters[name] = generic
  }
  return listReply(ctx, items, {
    filters,
    searchFields: def.search,
    ordering: def.ordering,
    representation: def.representation,
  })
}

// ---- handlers -----------------------------------------------------------------------------------

export function resourceHandlers(def: ResourceDef): HandlerMap {
  const handlers: HandlerMap = {}
  const ops = def.ops ?? ALL_OPS
  const guard =
    (fn: (ctx: Ctx) => ReturnType<HandlerMap[string]>) =>
    (ctx: Ctx): ReturnType<HandlerMap[string]> => {
      requireSuperuser(ctx)
      return fn(ctx)
    }
  if (ops.includes('list')) {
    handlers[`${def.prefix}_list`] = guard((ctx) => {
      const expanded = recordsOf(ctx.state, def).map((rec) =>
        expand(ctx.state, ctx.schema, def, rec),
      )
      const reply = listItems(ctx, def, expanded)
      const body = reply.body as { results: Rec[] }
      const component = responseComponent(ctx.schema, ctx.operationId)
      if (!component) throw new Error(`no list component for ${ctx.operationId}`)
      body.results = body.results.map((item) => project(ctx.schema, component, item))
      return reply
    })
  }
  if (ops.includes('create')) {
    handlers[`${def.prefix}_create`] = guard((ctx) =>
      ok(render(ctx, def, save(ctx, def, null, bodyObject(ctx))), 201),
    )
  }
  if (ops.includes('retrieve')) {
    handlers[`${def.prefix}_retrieve`] = guard((ctx) => ok(render(ctx, def, find(ctx, def))))
  }
  for (const op of ['update', 'partial_update'] as const) {
    if (!ops.includes(op)) continue
    handlers[`${def.prefix}_${op}`] = guard((ctx) =>
      ok(render(ctx, def, save(ctx, def, find(ctx, def), bodyObject(ctx)))),
    )
  }
  if (ops.includes('destroy')) {
    handlers[`${def.prefix}_destroy`] = guard((ctx) => {
      destroy(ctx.state, def, find(ctx, def))
      return noContent()
    })
  }
  return handlers
}

/** Handlers of many kinds at once. */
export function handlersFor(defs: readonly ResourceDef[]): HandlerMap {
  return Object.assign({}, ...defs.map(resourceHandlers)) as HandlerMap
}
