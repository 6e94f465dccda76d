import type { InvitationRow } from '../../shared/contract'

const cell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)

/** name,link,expires — one line per invitation, RFC 4180 quoting. */
export function invitationsCsv(rows: readonly InvitationRow[]): string {
  const lines = [['name', 'link', 'expires']]
  for (const row of rows) lines.push([row.name, row.link ?? '', row.expires ?? 'never'])
  return lines.map((line) => line.map(cell).join(',')).join('\r\n') + '\r\n'
}

/** Offers the CSV as a download; nothing is written by the main process. */
export function downloadCsv(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }))
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
