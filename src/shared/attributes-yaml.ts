import { isMap, parseDocument, stringify } from 'yaml'

/**
 * Authentik's `attributes` (groups, users) edited as YAML, the way Authentik's own admin UI shows
 * them. Only a mapping is accepted: Authentik stores a JSON object there, and policies and property
 * mappings read keys from it. Shared so the form and any other caller judge text the same way.
 */
export type AttributesParse =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; message: string; line: number | null; column: number | null }

export function parseAttributesYaml(text: string): AttributesParse {
  if (text.trim() === '') return { ok: true, value: {} }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  const error = doc.errors[0]
  if (error) {
    const [line, column] = error.linePos?.[0]
      ? [error.linePos[0].line, error.linePos[0].col]
      : [null, null]
    // The first line of yaml's message is the sentence; the rest is a code excerpt.
    const sentence = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? ''
    return {
      ok: false,
      message: line !== null ? `Line ${line}, column ${column}: ${sentence}` : sentence,
      line,
      column,
    }
  }
  if (!isMap(doc.contents)) {
    const what =
      doc.contents === null ? 'nothing' : Array.isArray(doc.toJS()) ? 'a list' : 'a single value'
    return {
      ok: false,
      message: `Attributes must be a mapping of keys to values (e.g. "quota: 10"), not ${what}.`,
      line: 1,
      column: 1,
    }
  }
  const value = doc.toJS() as Record<string, unknown>
  return { ok: true, value }
}

/** The attributes as the form shows them; `{}` is an empty text. */
export function attributesToYaml(value: Record<string, unknown>): string {
  return Object.keys(value).length === 0 ? '' : stringify(value)
}
