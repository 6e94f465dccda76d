const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })

/** "in 6 days", "3 hours ago"; "now" under a minute. */
export function fromNow(iso: string, now = Date.now()): string {
  const delta = Date.parse(iso) - now
  for (const [unit, ms] of units) {
    if (Math.abs(delta) >= ms) return relative.format(Math.round(delta / ms), unit)
  }
  return 'now'
}

/** Local date and time, e.g. for last-login columns. */
export function localTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : 'never'
}
