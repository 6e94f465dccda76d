/**
 * What differs between two Authentik OpenAPI schemas, for the operations Gatehouse uses.
 *
 *   npx tsx scripts/schema-diff.ts 2026.5.6 2026.8.3          # two releases of the table
 *   npx tsx scripts/schema-diff.ts --all > docs/authentik-schema-diff.md   # every consecutive pair
 *   npx tsx scripts/schema-diff.ts a.yml b.yml.gz --ops all   # any two files, every operation
 *
 * The operations: by default those the fake Authentik answers (its handler table,
 * `IMPLEMENTED_OPERATIONS`). That is every operation Gatehouse's code reaches in the suites: the
 * fake answers anything else with 501 and the suites assert that `unimplementedCalls` stays empty.
 * `--ops all` compares every operation of both schemas instead.
 *
 * Per operation: added or removed (by operationId), path or method moved, parameters added or
 * removed or changed (type, required, enum), request body required-ness and schema, response
 * statuses and schemas. Every component schema those reach (through `$ref`, `allOf`, array items
 * and nested objects) is then compared once, field by field: fields added or removed, type or
 * referenced component changed, nullable, read-only, write-only, required-ness, enum values,
 * maxLength. Only the shapes are compared, never descriptions.
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { parse } from 'yaml'
import {
  apiMilestones,
  atLeast,
  supportedAuthentikVersions,
} from '../src/shared/authentik-releases'
import { bundledSchemaPath } from '../tests/fakes/authentik/openapi'
import { IMPLEMENTED_OPERATIONS } from '../tests/fakes/authentik/server'

export type Node = { [key: string]: unknown }

export interface Doc {
  label: string
  components: Record<string, Node>
  /** `components.parameters` and `components.responses` (2025.10 on share them by `$ref`). */
  shared: Node
  /** operationId → where it lives and what it says. */
  operations: Map<string, { method: string; path: string; op: Node; pathParams: Node[] }>
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function loadDoc(arg: string): Doc {
  const file = (supportedAuthentikVersions as readonly string[]).includes(arg)
    ? bundledSchemaPath(arg as (typeof supportedAuthentikVersions)[number])
    : arg
  const bytes = readFileSync(file)
  return docFromRaw(
    parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'), {
      maxAliasCount: -1,
    }) as Node,
  )
}

/** A parsed OpenAPI document, indexed for the comparison. */
export function docFromRaw(raw: Node): Doc {
  const info = raw.info as Node
  const operations: Doc['operations'] = new Map()
  for (const [path, item] of Object.entries(raw.paths as Record<string, Node>)) {
    for (const method of METHODS) {
      const op = item[method]
      if (!isNode(op) || typeof op.operationId !== 'string') continue
      operations.set(op.operationId, {
        method: method.toUpperCase(),
        path,
        op,
        pathParams: (item.parameters as Node[] | undefined) ?? [],
      })
    }
  }
  const components = (raw.components ?? {}) as Node
  return {
    label: String(info.version),
    components: (components.schemas ?? {}) as Record<string, Node>,
    shared: components,
    operations,
  }
}

/** A parameter or response given by `$ref` (`#/components/parameters/…`), resolved. */
function deref(doc: Doc, node: Node): Node {
  const ref = node.$ref
  if (typeof ref !== 'string' || ref.startsWith('#/components/schemas/')) return node
  const [, , kind, name] = ref.split('/')
  const target = (doc.shared[kind!] as Record<string, Node> | undefined)?.[name!]
  return target ? deref(doc, target) : node
}

const SCHEMA_REF = '#/components/schemas/'
const refName = (ref: unknown): string | undefined =>
  typeof ref === 'string' && ref.startsWith(SCHEMA_REF) ? ref.slice(SCHEMA_REF.length) : undefined

/**
 * A schema node seen through drf-spectacular's wrappers: `allOf: [{$ref}]` with flags beside it
 * is the referenced component plus those flags.
 */
function unwrap(node: Node): { ref?: string; node: Node } {
  if (typeof node.$ref === 'string') return { ref: refName(node.$ref), node }
  const allOf = node.allOf
  if (Array.isArray(allOf) && allOf.length === 1 && isNode(allOf[0]) && allOf[0].$ref) {
    return { ref: refName(allOf[0].$ref), node }
  }
  return { node }
}

/** A short, comparable description of a field's type (no descriptions, no defaults). */
function typeOf(node: Node | undefined): string {
  if (!node) return '∅'
  const { ref } = unwrap(node)
  if (ref) return ref
  if (node.type === 'array') {
    return `array<${typeOf(isNode(node.items) ? node.items : undefined)}>`
  }
  if (Array.isArray(node.oneOf) || Array.isArray(node.anyOf)) {
    const parts = ((node.oneOf ?? node.anyOf) as Node[]).map(typeOf)
    return parts.join(' | ')
  }
  const format = typeof node.format === 'string' ? `(${node.format})` : ''
  if (node.type === 'object' && isNode(node.properties)) return 'object{…}'
  if (node.type === 'object' && node.additionalProperties !== undefined) return 'object(map)'
  return `${typeof node.type === 'string' ? node.type : 'any'}${format}`
}

function flags(node: Node | undefined): string[] {
  if (!node) return []
  const out: string[] = []
  if (node.nullable === true) out.push('nullable')
  if (node.readOnly === true) out.push('read-only')
  if (node.writeOnly === true) out.push('write-only')
  if (typeof node.maxLength === 'number') out.push(`maxLength ${node.maxLength}`)
  if (typeof node.minLength === 'number') out.push(`minLength ${node.minLength}`)
  return out
}

function enumOf(doc: Doc, node: Node | undefined): string[] | undefined {
  if (!node) return undefined
  if (Array.isArray(node.enum)) return node.enum.map(String)
  const { ref } = unwrap(node)
  const target = ref ? doc.components[ref] : undefined
  return target && Array.isArray(target.enum) ? target.enum.map(String) : undefined
}

/** The component names a schema node leads to (directly, through items, allOf, oneOf). */
function refsIn(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) refsIn(item, into)
    return
  }
  if (!isNode(node)) return
  const name = refName(node.$ref)
  if (name) into.add(name)
  for (const [key, value] of Object.entries(node)) {
    if (key !== '$ref' && key !== 'description') refsIn(value, into)
  }
}

function setDiff(before: readonly string[], after: readonly string[]): [string[], string[]] {
  const a = new Set(before)
  const b = new Set(after)
  return [[...b].filter((x) => !a.has(x)), [...a].filter((x) => !b.has(x))]
}

const code = (s: string): string => `\`${s}\``

/** Field-level differences of two object schemas (a component or an inline object). */
function diffObject(
  oldDoc: Doc,
  newDoc: Doc,
  a: Node,
  b: Node,
  at: string,
  pairs: Set<string>,
): string[] {
  const lines: string[] = []
  const ea = enumOf(oldDoc, a)
  const eb = enumOf(newDoc, b)
  if (ea || eb) {
    const [added, removed] = setDiff(ea ?? [], eb ?? [])
    if (added.length) lines.push(`${at}: enum + ${added.map(code).join(', ')}`)
    if (removed.length) lines.push(`${at}: enum − ${removed.map(code).join(', ')}`)
  }
  const pa = (isNode(a.properties) ? a.properties : {}) as Record<string, Node>
  const pb = (isNode(b.properties) ? b.properties : {}) as Record<string, Node>
  const ra = new Set((a.required as string[] | undefined) ?? [])
  const rb = new Set((b.required as string[] | undefined) ?? [])
  const describe = (node: Node, required: boolean): string =>
    [typeOf(node), ...flags(node), ...(required ? ['required'] : [])].join(', ')
  for (const name of Object.keys(pb)) {
    if (!(name in pa)) lines.push(`${at}.${name}: **added** (${describe(pb[name]!, rb.has(name))})`)
  }
  for (const name of Object.keys(pa)) {
    if (!(name in pb))
      lines.push(`${at}.${name}: **removed** (was ${describe(pa[name]!, ra.has(name))})`)
  }
  for (const name of Object.keys(pa)) {
    const fa = pa[name]
    const fb = pb[name]
    if (!fa || !fb) continue
    const where = `${at}.${name}`
    const ta = typeOf(fa)
    const tb = typeOf(fb)
    if (ta !== tb) lines.push(`${where}: type ${code(ta)} → ${code(tb)}`)
    const [fAdded, fRemoved] = setDiff(flags(fa), flags(fb))
    for (const f of fAdded) lines.push(`${where}: now ${f}`)
    for (const f of fRemoved) lines.push(`${where}: no longer ${f}`)
    if (ra.has(name) !== rb.has(name))
      lines.push(`${where}: ${rb.has(name) ? 'now required' : 'no longer required'}`)
    const ena = Array.isArray(fa.enum) ? fa.enum.map(String) : undefined
    const enb = Array.isArray(fb.enum) ? fb.enum.map(String) : undefined
    if (ena || enb) {
      const [added, removed] = setDiff(ena ?? [], enb ?? [])
      if (added.length) lines.push(`${where}: enum + ${added.map(code).join(', ')}`)
      if (removed.length) lines.push(`${where}: enum − ${removed.map(code).join(', ')}`)
    }
    // Follow into what both sides reference (queued), and into inline objects (here).
    const refsA = new Set<string>()
    const refsB = new Set<string>()
    refsIn(fa, refsA)
    refsIn(fb, refsB)
    for (const ref of refsA) if (refsB.has(ref)) pairs.add(ref)
    if (refsA.size === 1 && refsB.size === 1) {
      const [x] = refsA
      const [y] = refsB
      if (x !== y) pairs.add(`${x!}→${y!}`)
    }
    const inner = (node: Node): Node | undefined =>
      node.type === 'object' && isNode(node.properties)
        ? node
        : node.type === 'array' && isNode(node.items) && isNode(node.items.properties)
          ? node.items
          : undefined
    const ia = inner(fa)
    const ib = inner(fb)
    if (ia && ib) lines.push(...diffObject(oldDoc, newDoc, ia, ib, where, pairs))
  }
  return lines
}

interface OperationReport {
  id: string
  lines: string[]
}

function paramsOf(doc: Doc, entry: { op: Node; pathParams: Node[] }): Map<string, Node> {
  const out = new Map<string, Node>()
  for (const given of [
    ...entry.pathParams,
    ...((entry.op.parameters as Node[] | undefined) ?? []),
  ]) {
    const p = deref(doc, given)
    out.set(`${String(p.in)}:${String(p.name)}`, p)
  }
  return out
}

function bodySchema(op: Node): { required: boolean; schema?: Node; types: string[] } {
  const body = isNode(op.requestBody) ? op.requestBody : undefined
  const content = (body?.content ?? {}) as Record<string, Node>
  const json = content['application/json'] ?? Object.values(content)[0]
  return {
    required: body?.required === true,
    schema: isNode(json?.schema) ? json.schema : undefined,
    types: Object.keys(content),
  }
}

function responsesOf(doc: Doc, op: Node): Map<string, Node | undefined> {
  const out = new Map<string, Node | undefined>()
  for (const [status, given] of Object.entries((op.responses ?? {}) as Record<string, Node>)) {
    const response = deref(doc, given)
    const content = (response.content ?? {}) as Record<string, Node>
    const json = content['application/json'] ?? Object.values(content)[0]
    out.set(status, isNode(json?.schema) ? json.schema : undefined)
  }
  return out
}

function diffOperation(
  oldDoc: Doc,
  newDoc: Doc,
  id: string,
  pairs: Set<string>,
): OperationReport | undefined {
  const a = oldDoc.operations.get(id)
  const b = newDoc.operations.get(id)
  if (!a && !b) return undefined
  if (!a) return { id, lines: [`**added**: ${b!.method} ${code(b!.path)}`] }
  if (!b) return { id, lines: [`**removed** (was ${a.method} ${code(a.path)})`] }
  const lines: string[] = []
  if (a.method !== b.method || a.path !== b.path)
    lines.push(`moved: ${a.method} ${code(a.path)} → ${b.method} ${code(b.path)}`)

  const pa = paramsOf(oldDoc, a)
  const pb = paramsOf(newDoc, b)
  for (const [key, p] of pb) {
    if (!pa.has(key))
      lines.push(
        `parameter ${code(key)} **added** (${typeOf(p.schema as Node)}${p.required ? ', required' : ''})`,
      )
  }
  for (const key of pa.keys()) if (!pb.has(key)) lines.push(`parameter ${code(key)} **removed**`)
  for (const [key, p] of pa) {
    const q = pb.get(key)
    if (!q) continue
    if (Boolean(p.required) !== Boolean(q.required))
      lines.push(`parameter ${code(key)}: ${q.required ? 'now required' : 'no longer required'}`)
    const ta = typeOf(p.schema as Node)
    const tb = typeOf(q.schema as Node)
    if (ta !== tb) lines.push(`parameter ${code(key)}: type ${code(ta)} → ${code(tb)}`)
    const [added, removed] = setDiff(
      enumOf(oldDoc, p.schema as Node) ?? [],
      enumOf(newDoc, q.schema as Node) ?? [],
    )
    if (added.length) lines.push(`parameter ${code(key)}: enum + ${added.map(code).join(', ')}`)
    if (removed.length) lines.push(`parameter ${code(key)}: enum − ${removed.map(code).join(', ')}`)
  }

  const ba = bodySchema(a.op)
  const bb = bodySchema(b.op)
  if (!ba.schema && bb.schema)
    lines.push(`request body **added** (${typeOf(bb.schema)}${bb.required ? ', required' : ''})`)
  else if (ba.schema && !bb.schema)
    lines.push(`request body **removed** (was ${typeOf(ba.schema)})`)
  else if (ba.schema && bb.schema) {
    if (ba.required !== bb.required)
      lines.push(`request body: ${bb.required ? 'now required' : 'no longer required'}`)
    const ta = typeOf(ba.schema)
    const tb = typeOf(bb.schema)
    if (ta !== tb) lines.push(`request body: ${code(ta)} → ${code(tb)}`)
  }
  const [typesAdded, typesRemoved] = setDiff(ba.types, bb.types)
  if (typesAdded.length) lines.push(`request content types + ${typesAdded.join(', ')}`)
  if (typesRemoved.length) lines.push(`request content types − ${typesRemoved.join(', ')}`)

  const sa = responsesOf(oldDoc, a.op)
  const sb = responsesOf(newDoc, b.op)
  for (const [status, schema] of sb) {
    if (!sa.has(status))
      lines.push(`response ${status} **added**${schema ? ` (${typeOf(schema)})` : ''}`)
  }
  for (const status of sa.keys()) if (!sb.has(status)) lines.push(`response ${status} **removed**`)
  for (const [status, schema] of sa) {
    const other = sb.get(status)
    if (!sb.has(status)) continue
    const ta = schema ? typeOf(schema) : 'no body'
    const tb = other ? typeOf(other) : 'no body'
    if (ta !== tb) lines.push(`response ${status}: ${code(ta)} → ${code(tb)}`)
  }

  // Components reached by both sides are compared below, once each.
  const reached = (doc: Doc, entry: { op: Node; pathParams: Node[] }): Set<string> => {
    const out = new Set<string>()
    refsIn(entry.op.requestBody, out)
    for (const response of responsesOf(doc, entry.op).values()) refsIn(response, out)
    for (const parameter of paramsOf(doc, entry).values()) refsIn(parameter, out)
    return out
  }
  const ra = reached(oldDoc, a)
  const rb = reached(newDoc, b)
  for (const name of ra) if (rb.has(name)) pairs.add(name)
  const [onlyNew, onlyOld] = setDiff([...ra], [...rb])
  if (onlyOld.length === 1 && onlyNew.length === 1) pairs.add(`${onlyOld[0]!}→${onlyNew[0]!}`)
  return lines.length ? { id, lines } : undefined
}

export interface SchemaDiff {
  from: string
  to: string
  operations: number
  changedOperations: OperationReport[]
  components: { name: string; lines: string[] }[]
}

export function diffSchemas(oldDoc: Doc, newDoc: Doc, ops: readonly string[]): SchemaDiff {
  const pairs = new Set<string>()
  const changedOperations: OperationReport[] = []
  for (const id of ops) {
    const report = diffOperation(oldDoc, newDoc, id, pairs)
    if (report) changedOperations.push(report)
  }
  // Walk the reached components to a fixed point (a field's component reaches further ones).
  const done = new Set<string>()
  const components: SchemaDiff['components'] = []
  while (true) {
    const next = [...pairs].find((pair) => !done.has(pair))
    if (next === undefined) break
    done.add(next)
    const [x, y] = next.includes('→') ? next.split('→') : [next, next]
    const a = oldDoc.components[x!]
    const b = newDoc.components[y!]
    if (!a || !b) continue
    const lines = diffObject(oldDoc, newDoc, a, b, y!, pairs)
    if (lines.length) components.push({ name: x === y ? x! : `${x!} → ${y!}`, lines })
  }
  components.sort((p, q) => p.name.localeCompare(q.name))
  return {
    from: oldDoc.label,
    to: newDoc.label,
    operations: ops.length,
    changedOperations,
    components,
  }
}

export function diffMarkdown(diff: SchemaDiff): string {
  const out: string[] = [`## ${diff.from} → ${diff.to}`, '']
  out.push(
    `${diff.changedOperations.length} of ${diff.operations} operations changed; ` +
      `${diff.components.length} component schemas they reach changed.`,
    '',
  )
  if (diff.changedOperations.length) {
    out.push('### Operations', '')
    for (const report of diff.changedOperations) {
      out.push(`- ${code(report.id)}`)
      for (const line of report.lines) out.push(`  - ${line}`)
    }
    out.push('')
  }
  if (diff.components.length) {
    out.push('### Components', '')
    for (const component of diff.components) {
      out.push(`- ${code(component.name)}`)
      for (const line of component.lines) out.push(`  - ${line}`)
    }
    out.push('')
  }
  return out.join('\n')
}

/** The head of docs/authentik-schema-diff.md (`--all`): how it was made and what uses it. */
function preamble(allOps: boolean): string {
  const milestones = Object.entries(apiMilestones)
    .sort(([, a], [, b]) => (atLeast(a, b) ? (atLeast(b, a) ? 0 : 1) : -1))
    .map(([feature, since]) => `| ${since} | ${code(feature)} |`)
  return [
    '# Authentik API differences between the supported releases',
    '',
    'Generated: `npx tsx scripts/schema-diff.ts --all > docs/authentik-schema-diff.md` (then',
    '`npx prettier --write` on it), from the schemas in `tests/fakes/authentik/schemas/`, each',
    'consecutive pair of `src/shared/authentik-releases.ts`.',
    '',
    allOps
      ? 'Operations compared: every operation of both schemas.'
      : `Operations compared: the ${IMPLEMENTED_OPERATIONS.length} the fake Authentik answers (its ` +
        'handler table). That is every operation Gatehouse reaches in the suites: the fake answers ' +
        'any other with 501 and the suites assert that none was called.',
    'For each: added or removed, moved, parameters, request body, response statuses; then every ',
    'component schema they reach, field by field (added, removed, type, nullable, read-only, ',
    'required, enum values, maxLength). A component that was replaced by another is shown as ',
    '`Old → New` with the fields the new one lacks.',
    '',
    'The differences Gatehouse and the fake key on are the milestones of `apiMilestones`',
    '(`hasFeature(version, feature)`); field sets that only grow or shrink are handled by the',
    'fake projecting each answer onto the release’s own component (see its README).',
    '',
    '| since | milestone |',
    '| --- | --- |',
    ...milestones,
    '',
  ].join('\n')
}

function main(argv: string[]): void {
  const opsFlag = argv.indexOf('--ops')
  const allOps = opsFlag >= 0 && argv[opsFlag + 1] === 'all'
  const args = argv.filter(
    (arg, i) => !arg.startsWith('--') && !(opsFlag >= 0 && i === opsFlag + 1),
  )
  const pairs: [string, string][] = argv.includes('--all')
    ? supportedAuthentikVersions.slice(1).map((v, i) => [supportedAuthentikVersions[i]!, v])
    : args.length === 2
      ? [[args[0]!, args[1]!]]
      : []
  if (pairs.length === 0) {
    console.error(
      'usage: tsx scripts/schema-diff.ts <old version|file> <new version|file> [--ops all]\n' +
        '       tsx scripts/schema-diff.ts --all [--ops all]',
    )
    process.exit(2)
  }
  const docs = new Map<string, Doc>()
  const doc = (arg: string): Doc => {
    let loaded = docs.get(arg)
    if (!loaded) {
      loaded = loadDoc(arg)
      docs.set(arg, loaded)
    }
    return loaded
  }
  const sections: string[] = argv.includes('--all') ? [preamble(allOps)] : []
  for (const [from, to] of pairs) {
    const a = doc(from)
    const b = doc(to)
    const ops = allOps
      ? [...new Set([...a.operations.keys(), ...b.operations.keys()])].sort()
      : IMPLEMENTED_OPERATIONS
    sections.push(diffMarkdown(diffSchemas(a, b, ops)))
  }
  process.stdout.write(sections.join('\n'))
}

// Run as a script, not when a test imports the functions.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2))
}
