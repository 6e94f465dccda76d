/**
 * When each setup recipe was last applied completely, with the parameters it was applied with and
 * the server it was applied to (`recipes-applied.json` in the data folder, mode 0600): what tells
 * "drifted" from "not applied", and what `recipes status` plans with — the admin's own values,
 * not the defaults (#14). Authentik stays the truth for the rest.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import type { RecipeId } from '../../shared/contract/recipes'
import { writeFileAtomic } from '../settings/atomic-write'

const Entry = z.object({
  appliedAt: z.string(),
  /** Parsed parameters of that apply (records from before #14 have none). */
  params: z.record(z.string(), z.unknown()).optional(),
  /** The API base it was applied to: another server's record says nothing about this one. */
  server: z.string().optional(),
})
const AppliedRecord = z.record(z.string(), Entry)
type AppliedRecord = z.infer<typeof AppliedRecord>
export type AppliedEntry = z.infer<typeof Entry>

export function createAppliedRecord(dataDir: string) {
  const file = join(dataDir, 'recipes-applied.json')

  /** A missing or unreadable file is an empty record: nothing was applied by this Gatehouse. */
  async function read(): Promise<AppliedRecord> {
    try {
      return AppliedRecord.parse(JSON.parse(await readFile(file, 'utf8')))
    } catch {
      return {}
    }
  }

  return {
    read,
    /** The entry of `id` for `server`, or null (never applied there). */
    async entry(id: RecipeId, server: string): Promise<AppliedEntry | null> {
      const entry = (await read())[id]
      if (!entry) return null
      return entry.server === undefined || entry.server === server ? entry : null
    },
    async mark(id: RecipeId, params?: Record<string, unknown>, server?: string): Promise<void> {
      const entry: AppliedEntry = {
        appliedAt: new Date().toISOString(),
        ...(params ? { params } : {}),
        ...(server ? { server } : {}),
      }
      const record = { ...(await read()), [id]: entry }
      await mkdir(dataDir, { recursive: true })
      await writeFileAtomic(file, JSON.stringify(record, null, 2), 0o600)
    },
  }
}
