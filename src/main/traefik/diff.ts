/**
 * A plain unified diff (`--- before` / `+++ after`, `@@` hunks, 3 lines of context) of two texts,
 * for the plan preview. Line-based LCS after trimming the common head and tail: a merge touches
 * a few dozen lines of a small file, so the quadratic middle stays tiny. A missing final line
 * break is shown the way diff(1) does (`\ No newline at end of file`).
 */

interface Line {
  readonly text: string
  /** false only for a last line without a line break. */
  readonly eol: boolean
}

function splitLines(text: string): Line[] {
  if (text === '') return []
  const parts = text.split('\n')
  const last = parts.pop() as string
  const lines = parts.map((t) => ({ text: t, eol: true }))
  if (last !== '') lines.push({ text: last, eol: false })
  return lines
}

const same = (a: Line, b: Line) => a.text === b.text && a.eol === b.eol

type Op = { kind: ' ' | '-' | '+'; line: Line; a: number; b: number }

/** Above this many cells the middle is shown as removed-then-added instead of aligned. */
const MAX_CELLS = 4_000_000

function operations(a: Line[], b: Line[]): Op[] {
  let head = 0
  while (head < a.length && head < b.length && same(a[head] as Line, b[head] as Line)) head++
  let tail = 0
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    same(a[a.length - 1 - tail] as Line, b[b.length - 1 - tail] as Line)
  )
    tail++
  const ops: Op[] = []
  for (let i = 0; i < head; i++) ops.push({ kind: ' ', line: a[i] as Line, a: i, b: i })

  const am = a.slice(head, a.length - tail)
  const bm = b.slice(head, b.length - tail)
  const n = am.length
  const m = bm.length
  if (n * m > MAX_CELLS) {
    am.forEach((line, i) => ops.push({ kind: '-', line, a: head + i, b: head }))
    bm.forEach((line, j) => ops.push({ kind: '+', line, a: head + n, b: head + j }))
  } else {
    // lcs[i][j] = length of the LCS of am[i..] and bm[j..], in one flat array.
    const width = m + 1
    const lcs = new Uint32Array((n + 1) * width)
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * width + j] = same(am[i] as Line, bm[j] as Line)
          ? (lcs[(i + 1) * width + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * width + j] as number, lcs[i * width + j + 1] as number)
    let i = 0
    let j = 0
    while (i < n || j < m) {
      if (i < n && j < m && same(am[i] as Line, bm[j] as Line)) {
        ops.push({ kind: ' ', line: am[i] as Line, a: head + i, b: head + j })
        i++
        j++
      } else if (
        i < n &&
        (j === m || (lcs[(i + 1) * width + j] as number) >= (lcs[i * width + j + 1] as number))
      ) {
        // Removals before additions, as diff(1) prints them.
        ops.push({ kind: '-', line: am[i] as Line, a: head + i, b: head + j })
        i++
      } else {
        ops.push({ kind: '+', line: bm[j] as Line, a: head + i, b: head + j })
        j++
      }
    }
  }
  for (let k = tail; k > 0; k--)
    ops.push({
      kind: ' ',
      line: a[a.length - k] as Line,
      a: a.length - k,
      b: b.length - k,
    })
  return ops
}

function range(start: number, count: number): string {
  // diff(1): a hunk with no lines on one side names the line before it.
  if (count === 0) return `${start},0`
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`
}

export interface DiffOptions {
  readonly context?: number
  readonly fromLabel?: string
  readonly toLabel?: string
}

/** '' when the texts are equal. */
export function unifiedDiff(before: string, after: string, options: DiffOptions = {}): string {
  if (before === after) return ''
  const context = options.context ?? 3
  const ops = operations(splitLines(before), splitLines(after))
  const out = [`--- ${options.fromLabel ?? 'before'}`, `+++ ${options.toLabel ?? 'after'}`]

  let k = 0
  while (k < ops.length) {
    // Next change, then grow the hunk while changes are within 2×context of each other.
    while (k < ops.length && (ops[k] as Op).kind === ' ') k++
    if (k >= ops.length) break
    const start = Math.max(0, k - context)
    let end = k
    let last = k
    while (end < ops.length) {
      if ((ops[end] as Op).kind !== ' ') last = end
      else if (end - last > 2 * context) break
      end++
    }
    end = Math.min(ops.length, last + context + 1)
    const hunk = ops.slice(start, end)
    const first = hunk[0] as Op
    const aCount = hunk.filter((o) => o.kind !== '+').length
    const bCount = hunk.filter((o) => o.kind !== '-').length
    const aStart = aCount === 0 ? first.a : (hunk.find((o) => o.kind !== '+') as Op).a
    const bStart = bCount === 0 ? first.b : (hunk.find((o) => o.kind !== '-') as Op).b
    out.push(`@@ -${range(aStart, aCount)} +${range(bStart, bCount)} @@`)
    for (const op of hunk) {
      out.push(op.kind + op.line.text)
      if (!op.line.eol) out.push('\\ No newline at end of file')
    }
    k = end
  }
  return out.join('\n') + '\n'
}
