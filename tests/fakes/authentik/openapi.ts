/**
 * Loads the OpenAPI document of one Authentik version and wraps it in an openapi-backend router and
 * validator. Parsing the 1.7 MB YAML takes over a second, so the parsed and normalised document is
 * cached in memory per version and as JSON on disk (node_modules/.cache), keyed by the file's hash.
 * Validators are compiled lazily per operation and kept by openapi-backend (quick mode).
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { OpenAPIBackend, type Operation } from 'openapi-backend'
import type Ajv from 'ajv'
import { parse } from 'yaml'
import type { FakeVersion } from './types'

import type { JsonObject } from './types'
export type { JsonObject }

export interface LoadedSchema {
  version: FakeVersion
  /** The document exactly as shipped (for the schema endpoint). */
  raw: JsonObject
  rawYaml: string
  api: OpenAPIBackend
  /** Component schemas of the normalised document, for direct look-ups. */
  components: Record<string, JsonObject>
}

const here = dirname(fileURLToPath(import.meta.url))

/**
 * Where each version's schema.yml lives: `schemas/schema-<version>.yml.gz`, the release's own
 * schema (the tag's for 2025.6.3, whose npm build ships none; the plain-versioned
 * `@goauthentik/api` package's for the others), gzipped so formatters leave its bytes alone and the
 * repository stays small (see README).
 */
export function bundledSchemaPath(version: FakeVersion): string {
  return join(here, 'schemas', `schema-${version}.yml.gz`)
}

export function schemaPath(version: FakeVersion): string {
  const override = process.env.GATEHOUSE_FAKE_AUTHENTIK_SCHEMA_DIR
  if (override) return join(override, `schema-${version}.yml`)
  return bundledSchemaPath(version)
}

/** The schema text of a version, unzipped (the bytes the real server serves). */
export function readSchemaYaml(file: string): string {
  const bytes = readFileSync(file)
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * OpenAPI 3.0 → what Ajv understands, and stricter than Authentik where that catches mistakes:
 * - `nullable: true` becomes `anyOf: [schema, {type: null}]` (drf-spectacular puts it next to `allOf`);
 * - every component object schema with `properties` and no `additionalProperties` gets
 *   `additionalProperties: false`, so an unknown request field (real Authentik silently ignores it)
 *   and an unknown response field (a fake bug) both fail.
 */
function normalise(node: unknown, isComponentRoot = false): unknown {
  if (Array.isArray(node)) return node.map((item) => normalise(item))
  if (!isObject(node)) return node
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'examples') continue
    out[key] = key === 'properties' && isObject(value) ? normaliseProps(value) : normalise(value)
  }
  if (
    isComponentRoot &&
    out.type === 'object' &&
    isObject(out.properties) &&
    out.additionalProperties === undefined
  ) {
    out.additionalProperties = false
  }
  if (out.nullable === true) {
    delete out.nullable
    const annotations: JsonObject = {}
    for (const key of ['readOnly', 'writeOnly', 'description', 'title', 'default'] as const) {
      if (key in out) {
        annotations[key] = out[key]
        delete out[key]
      }
    }
    return { ...annotations, anyOf: [out, { type: 'null' }] }
  }
  return out
}

function normaliseProps(props: JsonObject): JsonObject {
  const out: JsonObject = {}
  for (const [name, schema] of Object.entries(props)) out[name] = normalise(schema)
  return out
}

function normaliseDocument(raw: JsonObject): JsonObject {
  const doc = normalise(raw) as JsonObject
  const components = doc.components as JsonObject
  const schemas = components.schemas as Record<string, unknown>
  for (const [name, schema] of Object.entries(
    (raw.components as JsonObject).schemas as JsonObject,
  )) {
    schemas[name] = normalise(schema, true)
  }
  return doc
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/i
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function addFormats(ajv: Ajv): Ajv {
  ajv.addFormat('uuid', UUID)
  ajv.addFormat('date-time', (value: string) => DATE_TIME.test(value) && !isNaN(Date.parse(value)))
  // Django's EmailField(blank=True): the empty string is allowed.
  ajv.addFormat('email', (value: string) => value === '' || EMAIL.test(value))
  ajv.addFormat('date', /^\d{4}-\d\d-\d\d$/)
  // Django's URLField(blank=True) (internal_host, meta_launch_url, base_url…): '' is allowed.
  ajv.addFormat('uri', (value: string) => value === '' || URL.canParse(value))
  for (const name of ['binary', 'byte', 'double', 'float', 'int32', 'int64', 'ipv4', 'ipv6']) {
    ajv.addFormat(name, true)
  }
  return ajv
}

interface CacheFile {
  hash: string
  raw: JsonObject
  normalised: JsonObject
}

function cacheDir(): string {
  return join(here, '..', '..', '..', 'node_modules', '.cache', 'gatehouse-fake-authentik')
}

function loadDocuments(version: FakeVersion): {
  raw: JsonObject
  normalised: JsonObject
  rawYaml: string
} {
  const rawYaml = readSchemaYaml(schemaPath(version))
  const hash = createHash('sha256').update(rawYaml).digest('hex')
  const cacheFile = join(cacheDir(), `${version}-${hash.slice(0, 16)}.json`)
  if (existsSync(cacheFile)) {
    try {
      const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as CacheFile
      if (cached.hash === hash) return { raw: cached.raw, normalised: cached.normalised, rawYaml }
    } catch {
      // fall through and rebuild
    }
  }
  const raw = parse(rawYaml, { maxAliasCount: -1 }) as JsonObject
  const normalised = normaliseDocument(raw)
  try {
    mkdirSync(cacheDir(), { recursive: true })
    writeFileSync(cacheFile, JSON.stringify({ hash, raw, normalised } satisfies CacheFile))
  } catch {
    // read-only checkout: no disk cache, still works
  }
  return { raw, normalised, rawYaml }
}

const loaded = new Map<FakeVersion, Promise<LoadedSchema>>()

export function loadSchema(version: FakeVersion): Promise<LoadedSchema> {
  let pending = loaded.get(version)
  if (!pending) {
    pending = build(version)
    loaded.set(version, pending)
  }
  return pending
}

async function build(version: FakeVersion): Promise<LoadedSchema> {
  const { raw, normalised, rawYaml } = loadDocuments(version)
  const info = raw.info as JsonObject
  if (info.version !== version) {
    throw new Error(`schema for ${version} says info.version=${String(info.version)}`)
  }
  applyErrata(normalised)
  // openapi-backend dereferences in place: give it its own copy, keep `components` for look-ups.
  const definition = structuredClone(normalised)
  const api = new OpenAPIBackend({
    definition: definition as never,
    apiRoot: '/api/v3',
    quick: true,
    ignoreTrailingSlashes: false,
    coerceTypes: true,
    ajvOpts: { logger: false, allErrors: true, verbose: true },
    customizeAjv: (ajv) => addFormats(ajv),
  })
  await api.init()
  const components = (normalised.components as JsonObject).schemas as Record<string, JsonObject>
  return { version, raw, rawYaml, api, components }
}

/**
 * Fields the schema declares non-nullable although the real server sends null there (a read-only
 * relation that is absent: DRF returns None for it). Without these the fake could not answer
 * truthfully and schema-valid at once. Applied in memory only (the disk cache stays the schema),
 * to every version whose schema still declares the field non-nullable (2026.5 fixed the
 * PolicyBinding and Application ones itself; `applyErrata` leaves nullable fields alone).
 */
const ERRATA: Record<string, string[]> = {
  PolicyBinding: ['policy_obj', 'group_obj', 'user_obj'],
  Application: ['provider_obj'],
  Invitation: ['flow_obj'],
  ...Object.fromEntries(
    ['Provider', 'ProxyProvider', 'OAuth2Provider'].map((name) => [
      name,
      [
        'assigned_application_slug',
        'assigned_application_name',
        'assigned_backchannel_application_slug',
        'assigned_backchannel_application_name',
      ],
    ]),
  ),
}

function applyErrata(normalised: JsonObject): void {
  const schemas = (normalised.components as JsonObject).schemas as Record<string, JsonObject>
  for (const [component, fields] of Object.entries(ERRATA)) {
    const properties = schemas[component]?.properties as Record<string, JsonObject> | undefined
    for (const field of fields) {
      const property = properties?.[field]
      if (!properties || !property || property.anyOf) continue
      const { readOnly, description, ...rest } = property
      properties[field] = { readOnly, description, anyOf: [rest, { type: 'null' }] }
    }
  }
}

export type { Operation }
