import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml'
import { GatehouseError } from '../../shared/errors'
import type { MiddlewareEntry } from './middlewares'
import { entriesTree, renderBlock, type Layout } from './render'

/**
 * The text side of the Traefik merge (merge.ts): where a YAML node starts and ends in the
 * admin's bytes, and the edits that replace or insert exactly those ranges. Kept apart so the
 * merge reads as "understand the document, decide, splice" and this file as "splice safely".
 */

export interface Edit {
  readonly start: number
  readonly end: number
  readonly text: string
}

export const FIX_HINT =
  'Fix dynamic_config.yml first (Traefik itself would reject it), then plan again. Gatehouse never rewrites a file it cannot read.'

export function invalid(message: string, details: Record<string, unknown>, hint = FIX_HINT) {
  return new GatehouseError({ code: 'TRAEFIK_CONFIG_INVALID', message, hint, details })
}

export const keyOf = (pair: Pair): unknown => (isScalar(pair.key) ? pair.key.value : pair.key)

export function findPair(map: YAMLMap, name: string): Pair<Node, Node | null> | undefined {
  return (map.items as Pair<Node, Node | null>[]).find((p) => keyOf(p) === name)
}

export function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1
}

/** Position of the line break ending the line that contains `pos` (before a `\r`), or EOF. */
export function lineEnd(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos)
  if (nl === -1) return text.length
  return text[nl - 1] === '\r' ? nl - 1 : nl
}

export function indentOf(text: string, pos: number): number {
  const start = lineStart(text, pos)
  let i = start
  while (text[i] === ' ') i++
  return i - start
}

/**
 * Just past the last character of real content inside `nodes` (scalars, aliases, flow
 * collections — not block collections, whose ranges run on over the comments and blank lines
 * that follow them and belong to the next key).
 */
export function contentEnd(text: string, nodes: readonly (Node | null)[]): number {
  let end = -1
  for (const node of nodes) {
    if (!node) continue
    visit(node, (_key, n) => {
      if (isPair(n)) return undefined
      const range = (n as Node).range
      if (!range) return undefined
      const flow = isCollection(n) && n.flow
      if (isScalar(n) || isAlias(n) || flow) {
        if (range[1] > range[0]) end = Math.max(end, range[1])
        if (flow) return visit.SKIP
      }
      return undefined
    })
  }
  while (end > 0 && /\s/.test(text[end - 1] ?? '')) end--
  return end
}

/** Spaces per level, taken from the first nested block mapping in the file (default 2). */
export function detectUnit(text: string, doc: Document): number {
  let unit = 0
  visit(doc, {
    Pair(_key, pair) {
      if (unit) return visit.BREAK
      const key = pair.key as Node | null
      const value = pair.value as Node | null
      if (!isMap(value) || value.flow || !key?.range || value.items.length === 0) return undefined
      const firstKey = value.items[0]?.key as Node | null
      if (!firstKey?.range) return undefined
      const diff = indentOf(text, firstKey.range[0]) - indentOf(text, key.range[0])
      if (diff >= 1 && diff <= 8) unit = diff
      return undefined
    },
  })
  return unit || 2
}

export function anchorsIn(node: Node | null): Set<string> {
  const anchors = new Set<string>()
  if (node)
    visit(node, (_k, n) => {
      const anchor = (n as { anchor?: string }).anchor
      if (anchor) anchors.add(anchor)
    })
  return anchors
}

// ---- the merge -------------------------------------------------------------------------------

/** Replaces one stale managed pair: from its key's line to the end of its last content line. */
export function replacePair(
  text: string,
  doc: Document,
  pair: Pair<Node, Node | null>,
  entry: MiddlewareEntry,
  layout: Layout,
): Edit {
  const anchors = anchorsIn(pair.value)
  if (anchors.size > 0) {
    let used = false
    visit(doc, {
      Alias(_k, alias) {
        if (anchors.has(alias.source)) used = true
      },
    })
    if (used)
      throw invalid(
        `http.middlewares.${entry.name} defines an anchor (&${[...anchors][0]}) that other parts of dynamic_config.yml refer to; replacing it would break them.`,
        { reason: 'anchor-in-use', middleware: entry.name },
        `Move the shared part out of ${entry.name} (or inline it where it is used), then plan again.`,
      )
  }
  const keyStart = pair.key.range?.[0] ?? 0
  const ls = lineStart(text, keyStart)
  const atLineStart = /^ *$/.test(text.slice(ls, keyStart))
  const column = indentOf(text, keyStart)
  const { value, comments } = entriesTree([entry], [])
  let rendered = renderBlock(value, comments, column, layout)
  if (!atLineStart) rendered = rendered.slice(column)
  const end = lineEnd(text, contentEnd(text, [pair.key, pair.value]))
  return { start: atLineStart ? ls : keyStart, end, text: rendered }
}

/**
 * New pairs after the last entry of a block mapping whose keys sit at `column`. Comment lines
 * indented deeper than the keys right after the last entry stay with that entry; comments at the
 * keys' level or above (they introduce what follows) stay after the new pairs.
 */
export function appendTo(text: string, map: YAMLMap, column: number, block: string): Edit {
  const nodes = (map.items as Pair<Node, Node | null>[]).flatMap((p) => [p.key, p.value])
  let at = lineEnd(text, contentEnd(text, nodes))
  for (;;) {
    if (at >= text.length) break
    const next = text.indexOf('\n', at) + 1
    const end = lineEnd(text, next)
    const line = text.slice(next, end)
    const indent = line.length - line.trimStart().length
    if (!line.trimStart().startsWith('#') || indent <= column) break
    at = end
  }
  const newline = text.includes('\r\n') ? '\r\n' : '\n'
  return { start: at, end: at, text: newline + block }
}

/**
 * `key:` with an empty value (`key:`, `key: ~`, `key: {}`): the explicit empty token is removed
 * and the children go on the lines below, one level deeper than the key.
 */
export function fillEmpty(
  text: string,
  pair: Pair<Node, Node | null>,
  tree: ReturnType<typeof entriesTree>,
  layout: Layout,
): Edit[] {
  const keyStart = pair.key.range?.[0] ?? 0
  const column = indentOf(text, keyStart) + layout.unit
  const block = renderBlock(tree.value, tree.comments, column, layout)
  const edits: Edit[] = []
  const range = pair.value?.range
  let last = contentEnd(text, [pair.key])
  if (range && range[1] > range[0]) {
    let from = range[0]
    while (from > 0 && text[from - 1] === ' ') from--
    // `key: &anchor ~` / `key: !!map {}`: keep it simple and refuse rather than guess.
    if (text.slice(last, from).trim() !== ':')
      throw invalid(
        `${String(keyOf(pair))} has an empty value with a tag or anchor Gatehouse does not edit.`,
        { reason: 'decorated-empty' },
      )
    edits.push({ start: from, end: range[1], text: '' })
    last = range[1]
  }
  const at = lineEnd(text, last)
  edits.push({ start: at, end: at, text: layout.newline + block })
  return edits
}

export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end)
  let out = text
  for (const edit of sorted) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end)
  return out
}
