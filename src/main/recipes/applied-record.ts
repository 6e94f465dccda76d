/**
 * When each setup recipe was last applied completely (`recipes-applied.json` in the data folder,
 * mode 0600): what tells "drifted" from "not applied". Authentik stays the truth for the rest.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import type { RecipeId } from '../../shared/contract/recipes'
import { writeFileAtomic } from '../settings/atomic-write'

const AppliedRecord = z.record(z.string(), z.object({ appliedAt: z.string() }))
type AppliedRecord = z.infer<typeof AppliedRecord>

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
    async mark(id: RecipeId): Promise<void> {
      const record = { ...(await read()), [id]: { appliedAt: new Date().toISOString() } }
      await mkdir(dataDir, { recursive: true })
      await writeFileAtomic(file, JSON.stringify(record, null, 2), 0o600)
    },
  }
}
