import { isDeepStrictEqual } from 'node:util'
import {
  isCollection,
  isMap,
  isScalar,
  parseAllDocuments,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml'
import type { MiddlewareEntry } from './middlewares'
import { entriesTree, renderBlock, type Layout } from './render'
import {
  type Edit,
  invalid,
  keyOf,
  findPair,
  indentOf,
  detectUnit,
  replacePair,
  appendTo,
  fillEmpty,
  applyEdits,
} from './yaml-splice'

/**
 * Merges Gatehouse's middlewares into the admin's Traefik `dynamic_config.yml`.
 *
 * Why text splicing and not `doc.setIn(...)` + `doc.toString()`: the yaml library re-renders the
 * whole document on `toString()` — `{a: 1}` becomes `{ a: 1 }`, sequences are re-indented,
 * comments after a block move, trailing spaces and CRLF line breaks are lost. So the Document API
 * is used to *understand* the file (parse errors with line/column, what `http.middlewares` holds,
 * where each pair starts and ends in the source) and to *render* only the managed entries; the
 * result is the original text with exactly those byte ranges replaced or inserted. Everything
 * else — other middlewares, routers, services, tls, comments, blank lines, key order, quoting —
 * is the original bytes. Before returning, the result is parsed again and must equal the old
 * document with only the managed middlewares set (a second, independent safety net).
 */

export type ChangeAction = 'create' | 'update' | 'unchanged'

export interface MergeChange {
  readonly middleware: string
  readonly action: ChangeAction
}

export interface MergeOptions {
  /** Entries written only when the file has no middleware of that name (never updated). */
  readonly ifMissing?: readonly MiddlewareEntry[]
}

export interface MergeResult {
  readonly text: string
  readonly changes: MergeChange[]
  /** Names under `http.middlewares` before the merge, in file order. */
  readonly existingNames: string[]
}

/** Larger files are refused: a Traefik dynamic configuration is a few kilobytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024

/** Parses the single document of the file, or explains why Gatehouse will not edit it. */
export function parseConfig(text: string): Document | null {
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES)
    throw invalid(
      `The file is larger than ${MAX_CONFIG_BYTES / 1024} KiB; that is not a Traefik dynamic configuration Gatehouse expects.`,
      { reason: 'too-large' },
      'Choose the right file (Settings → Traefik dynamic configuration).',
    )
  const docs = parseAllDocuments(text)
  for (const doc of docs) {
    const error = doc.errors[0]
    if (error) {
      const at = error.linePos?.[0]
      // The library's message repeats the position and quotes the source; keep the sentence.
      const summary = (error.message.split('\n')[0] ?? error.message).replace(
        / at line \d+, column \d+:?$/,
        '',
      )
      throw invalid(
        at
          ? `dynamic_config.yml is not valid YAML at line ${at.line}, column ${at.col}: ${summary}`
          : `dynamic_config.yml is not valid YAML: ${summary}`,
        { reason: 'syntax', line: at?.line, column: at?.col, yamlCode: error.code },
      )
    }
  }
  if (docs.length > 1)
    throw invalid(
      `dynamic_config.yml holds ${docs.length} YAML documents (separated by ---); Traefik's file provider reads one.`,
      { reason: 'multi-document', documents: docs.length },
      'Keep one document in the file (merge the parts or move them to their own files), then plan again.',
    )
  const doc = docs[0]
  return doc && doc.contents !== null ? doc : null
}

/** The middleware names in `http.middlewares`, in file order (validates the file like merge). */
export function middlewareNames(text: string): string[] {
  const doc = parseConfig(text)
  if (!doc) return []
  const top = mappingAt(doc.contents as Node, [])
  const httpPair = top && findPair(top, 'http')
  const httpMap = httpPair ? mappingAt(httpPair.value, ['http']) : null
  const mwPair = httpMap && findPair(httpMap, 'middlewares')
  const middlewares = mwPair ? mappingAt(mwPair.value, ['http', 'middlewares']) : null
  return middlewares ? middlewares.items.map((p) => String(keyOf(p))) : []
}

/**
 * A mapping Gatehouse can edit at `path`: null for an empty value (`http:`, `~`, `{}`), the map for
 * a block mapping; refuses scalars, sequences and non-empty flow mappings with a clear reason.
 */
function mappingAt(node: Node | null, path: readonly string[]): YAMLMap | null {
  const where = path.length === 0 ? 'The top level of dynamic_config.yml' : path.join('.')
  if (node === null || (isScalar(node) && node.value === null)) return null
  if (isMap(node)) {
    if (node.items.length === 0) return null
    if (node.flow)
      throw invalid(
        `${where} is written in flow style ({ … }); Gatehouse edits block-style mappings only, so that it can keep the rest of your formatting.`,
        { reason: 'flow-style', path: path.join('.') },
        `Write ${where} as an indented block mapping (one key per line), then plan again.`,
      )
    return node
  }
  const kind = isScalar(node) ? 'a single value' : isCollection(node) ? 'a list' : 'an alias'
  throw invalid(
    `${where} is ${kind}, not a mapping of names to definitions, so Gatehouse cannot add middlewares to it.`,
    { reason: 'not-a-mapping', path: path.join('.') },
    path.length === 0
      ? 'The file must be a mapping with an http: section (see Traefik’s file provider docs); fix it, then plan again.'
      : `Make ${path.join('.')} a mapping (one "name:" per line), then plan again.`,
  )
}

// ---- positions in the source text ----------------------------------------------------------

/**
 * `existingText` with the managed middlewares added or replaced under `http.middlewares`.
 * null/empty → a fresh document. Idempotent: an up-to-date file comes back identical with every
 * change `unchanged`.
 */
export function merge(
  existingText: string | null | undefined,
  managed: readonly MiddlewareEntry[],
  options: MergeOptions = {},
): MergeResult {
  const text = existingText ?? ''
  const newline = text.includes('\r\n') ? '\r\n' : '\n'
  const doc = parseConfig(text)
  const layout: Layout = { unit: doc ? detectUnit(text, doc) : 2, newline }

  const top = doc ? mappingAt(doc.contents as Node, []) : null
  const httpPair = top ? findPair(top, 'http') : undefined
  const http = httpPair ? mappingAt(httpPair.value, ['http']) : null
  const mwPair = http ? findPair(http, 'middlewares') : undefined
  const middlewares = mwPair ? mappingAt(mwPair.value, ['http', 'middlewares']) : null
  const existingNames = middlewares ? middlewares.items.map((p) => String(keyOf(p))) : []

  const changes: MergeChange[] = []
  const edits: Edit[] = []
  const toCreate: MiddlewareEntry[] = []

  const wanted = [
    ...managed.map((entry) => ({ entry, update: true })),
    ...(options.ifMissing ?? [])
      .filter((e) => !managed.some((m) => m.name === e.name))
      .map((entry) => ({ entry, update: false })),
  ]
  for (const { entry, update } of wanted) {
    const pair = middlewares ? findPair(middlewares, entry.name) : undefined
    if (!pair) {
      toCreate.push(entry)
      changes.push({ middleware: entry.name, action: 'create' })
      continue
    }
    const current = pair.value ? pair.value.toJS(doc as Document) : null
    if (!update || isDeepStrictEqual(current, entry.value)) {
      if (update) changes.push({ middleware: entry.name, action: 'unchanged' })
      continue
    }
    edits.push(replacePair(text, doc as Document, pair, entry, layout))
    changes.push({ middleware: entry.name, action: 'update' })
  }

  if (toCreate.length > 0) {
    if (middlewares) {
      const column = indentOf(text, (middlewares.items[0]?.key as Node).range?.[0] ?? 0)
      const { value, comments } = entriesTree(toCreate, [])
      edits.push(appendTo(text, middlewares, column, renderBlock(value, comments, column, layout)))
    } else if (mwPair) {
      edits.push(...fillEmpty(text, mwPair, entriesTree(toCreate, []), layout))
    } else if (http) {
      const column = indentOf(text, (http.items[0]?.key as Node).range?.[0] ?? 0)
      const { value, comments } = entriesTree(toCreate, ['middlewares'])
      edits.push(appendTo(text, http, column, renderBlock(value, comments, column, layout)))
    } else if (httpPair) {
      edits.push(...fillEmpty(text, httpPair, entriesTree(toCreate, ['middlewares']), layout))
    } else if (top) {
      const column = indentOf(text, (top.items[0]?.key as Node).range?.[0] ?? 0)
      const { value, comments } = entriesTree(toCreate, ['http', 'middlewares'])
      edits.push(appendTo(text, top, column, renderBlock(value, comments, column, layout)))
    } else {
      // Empty file, or only comments: the new section goes after whatever is there, and the
      // file keeps ending the way it did (with or without a final line break; new files with).
      const { value, comments } = entriesTree(toCreate, ['http', 'middlewares'])
      const block = renderBlock(value, comments, 0, layout)
      const endsOpen = text !== '' && !text.endsWith('\n')
      edits.push({
        start: text.length,
        end: text.length,
        text: endsOpen ? newline + block : block + newline,
      })
    }
  }

  const merged = applyEdits(text, edits)
  // What the file must hold afterwards: every managed entry, and the ifMissing ones we created.
  const set = wanted.filter((w) => w.update || toCreate.includes(w.entry)).map((w) => w.entry)
  if (merged !== text) verify(doc, merged, set)
  return { text: merged, changes, existingNames }
}

/**
 * The merged text must parse to exactly the old document with the managed middlewares set. If
 * it does not (a layout this module did not foresee), nothing is written and the admin is told.
 */
function verify(beforeDoc: Document | null, after: string, set: readonly MiddlewareEntry[]): void {
  let afterDoc: Document | null = null
  let reason = ''
  try {
    afterDoc = parseConfig(after)
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error)
  }
  if (afterDoc) {
    const expected = (beforeDoc?.toJS() ?? {}) as Record<string, unknown>
    const http = objectAt(expected, 'http')
    const middlewares = objectAt(http, 'middlewares')
    for (const entry of set) middlewares[entry.name] = entry.value
    if (isDeepStrictEqual(afterDoc.toJS(), expected)) return
    reason = 'the result differs from the original outside the Gatehouse middlewares'
  }
  throw invalid(
    `Gatehouse could not merge its middlewares into this file safely (${reason}); nothing was written.`,
    { reason: 'merge-self-check' },
    'Add the middlewares by hand from the preview shown in the plan, or simplify the layout of http.middlewares.',
  )
}

/** `parent[key]` as an object, created (an empty value such as `http:` becomes one). */
function objectAt(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = parent[key]
  if (value && typeof value === 'object') return value as Record<string, unknown>
  const created: Record<string, unknown> = {}
  parent[key] = created
  return created
}
