/** A run of text with the colour and weight ANSI SGR codes gave it. */
export interface AnsiSpan {
  text: string
  fg: string | null
  bold: boolean
}

const COLOURS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white']

/**
 * Splits a log line into styled spans. Only SGR (`ESC[…m`) is interpreted; every other escape
 * sequence is dropped so a container cannot move the cursor or retitle anything in the viewer.
 */
export function parseAnsi(line: string): AnsiSpan[] {
  const spans: AnsiSpan[] = []
  let fg: string | null = null
  let bold = false

  const re = /\x1b\[([0-9;]*)([A-Za-z])|\x1b[@-_]/g
  let last = 0
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m.index > last) spans.push({ text: line.slice(last, m.index), fg, bold })
    last = re.lastIndex
    if (m[2] !== 'm') continue
    for (const raw of (m[1] || '0').split(';')) {
      const code = Number(raw)
      if (code === 0) {
        fg = null
        bold = false
      } else if (code === 1) bold = true
      else if (code === 22) bold = false
      else if (code === 39) fg = null
      else if (code >= 30 && code <= 37) fg = COLOURS[code - 30]!
      else if (code >= 90 && code <= 97) fg = `bright-${COLOURS[code - 90]}`
    }
  }
  if (last < line.length) spans.push({ text: line.slice(last), fg, bold })

  return spans.map((s) => ({ ...s, text: s.text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '') }))
}
