/**
 * The colour of a status or action tag, the same word the same colour on every panel (a plan
 * line, a recipe, R1's steps, an integration).
 */
export type TagType = 'default' | 'success' | 'error' | 'warning' | 'info'

const STEP: Record<string, TagType> = {
  done: 'success',
  applied: 'success',
  failed: 'error',
  drifted: 'error',
  running: 'warning',
  planned: 'info',
}
/** A step's or a recipe's state: done/applied green, failed/drifted red, running amber. */
export const stepTagType = (status: string): TagType => STEP[status] ?? 'default'

/** What a plan line does to an object in Authentik. */
export const actionTagType = (action: string): TagType =>
  action === 'create' ? 'success' : action === 'delete' ? 'error' : 'info'

/** An integration: anything neither applied, drifted nor unknown still needs the admin. */
export const integrationTagType = (status: string): TagType =>
  status === 'unknown' ? 'default' : (STEP[status] ?? 'warning')

/** Status words as the admin reads them. */
export const statusLabel = (status: string | undefined, none = 'not checked'): string =>
  status === 'not-applied' ? 'not applied' : (status ?? none)
