/**
 * What an error may repeat of a value the user typed: enough to recognise it, never a whole
 * 10 kB paste (it would flood the form, the log and the terminal). Cut at `max` characters.
 */
export const ECHO_MAX = 60

export function echo(value: string, max = ECHO_MAX): string {
  if (value.length <= max) return value
  return `${value.slice(0, max - 1)}… (${value.length} characters)`
}

/**
 * A message or hint built from parts that may already end in a full stop ("… in use." + ".")
 * ends in exactly one.
 */
export function oneFullStop(text: string): string {
  return text.replace(/([^.])\.\.$/, '$1.')
}
