import { Document, isMap, isScalar, type Node } from 'yaml'
import type { MiddlewareEntry } from './middlewares'

/**
 * Renders new YAML text for the managed middlewares only. Everything else in the admin's file is
 * spliced around this text untouched (see merge.ts), so the renderer only has to produce block
 * YAML that sits at a given column and uses the file's indent width and line break.
 */

export interface Layout {
  /** Spaces per nesting level in the admin's file (default 2). */
  readonly unit: number
  /** `\n`, or `\r\n` when the file uses Windows line breaks. */
  readonly newline: string
}

export interface RenderComment {
  readonly path: readonly string[]
  readonly text: string
}

/** `{name: value}` for each entry under `prefix`, with the entries' comments re-rooted. */
export function entriesTree(
  entries: readonly MiddlewareEntry[],
  prefix: readonly string[],
): { value: Record<string, unknown>; comments: RenderComment[] } {
  const leaf: Record<string, unknown> = {}
  const comments: RenderComment[] = []
  for (const entry of entries) {
    leaf[entry.name] = entry.value
    for (const c of entry.comments ?? [])
      comments.push({ path: [...prefix, entry.name, ...c.path], text: c.text })
  }
  let value: Record<string, unknown> = leaf
  for (const key of [...prefix].reverse()) value = { [key]: value }
  return { value, comments }
}

/** Block YAML for `value` with every line indented by `column` spaces; no trailing line break. */
export function renderBlock(
  value: Record<string, unknown>,
  comments: readonly RenderComment[],
  column: number,
  layout: Layout,
): string {
  const doc = new Document(value)
  for (const comment of comments) {
    const parent = doc.getIn(comment.path.slice(0, -1), true) as Node | undefined
    const last = comment.path[comment.path.length - 1]
    if (!isMap(parent)) continue
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last)
    if (pair && isScalar(pair.key)) pair.key.commentBefore = comment.text
  }
  // lineWidth 0: never fold a long value (the forwardAuth address) over two lines.
  const text = doc.toString({ indent: layout.unit, lineWidth: 0, minContentWidth: 0 })
  const pad = ' '.repeat(column)
  return text
    .replace(/\n+$/, '')
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join(layout.newline)
}

/** A middleware's value as a YAML snippet (used to show the suggested security headers). */
export function entryYaml(entry: MiddlewareEntry, layout: Layout = { unit: 2, newline: '\n' }) {
  const { value, comments } = entriesTree([entry], [])
  return renderBlock(value, comments, 0, layout) + layout.newline
}
