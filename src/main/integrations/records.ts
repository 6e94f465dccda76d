/**
 * What Gatehouse remembers about the integrations it configured, in the data folder
 * (`integrations.json`, mode 0600): the parameters without any password, when it was last applied
 * completely, and the last check. Authentik stays the truth for everything else.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { IntegrationCheck, IntegrationId } from '../../shared/contract/integrations'
import { writeFileAtomic } from '../settings/atomic-write'

const IntegrationRecord = z.object({
  params: z.record(z.string(), z.unknown()),
  appliedAt: z.string().nullable(),
  lastCheck: IntegrationCheck.nullable(),
})
export type IntegrationRecord = z.infer<typeof IntegrationRecord>

const RecordFile = z.object({
  version: z.literal(1),
  integrations: z.partialRecord(IntegrationId, IntegrationRecord),
})
type RecordFile = z.infer<typeof RecordFile>

export function createIntegrationRecords(dataDir: string) {
  const file = join(dataDir, 'integrations.json')
  // One writer at a time inside this process: apply and check may finish together.
  let chain: Promise<unknown> = Promise.resolve()

  async function read(): Promise<RecordFile> {
    try {
      return RecordFile.parse(JSON.parse(await readFile(file, 'utf8')))
    } catch {
      return { version: 1, integrations: {} }
    }
  }

  async function write(content: RecordFile): Promise<void> {
    await mkdir(dataDir, { recursive: true })
    await writeFileAtomic(file, JSON.stringify(content, null, 2), 0o600)
  }

  function update(
    id: IntegrationId,
    change: (current: IntegrationRecord | undefined) => IntegrationRecord | undefined,
  ): Promise<void> {
    const job = chain.then(async () => {
      const content = await read()
      const next = change(content.integrations[id])
      if (next) content.integrations[id] = next
      else delete content.integrations[id]
      await write(content)
    })
    chain = job.catch(() => undefined)
    return job
  }

  return {
    async all() {
      return (await read()).integrations
    },
    async get(id: IntegrationId) {
      return (await read()).integrations[id]
    },
    update,
    /** Resolves once no write is under way (for a clean shutdown). */
    settled: () => chain.then(() => undefined),
  }
}
export type IntegrationRecords = ReturnType<typeof createIntegrationRecords>
