import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { createIntegrationRecords } from '../../src/main/integrations/records'

/**
 * The integrations' records file: writes in one process are chained (apply and check may finish
 * together), and `settled()` — what the service's dispose() waits for — resolves only once the
 * last write is on disk, as a whole 0600 file.
 */
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-records-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const record = (slug: string) => ({
  params: { applicationSlug: slug },
  appliedAt: null,
  lastCheck: null,
})

test('concurrent updates all land; settled() waits for the last one', async () => {
  const records = createIntegrationRecords(dir)
  void records.update('immich', () => record('immich'))
  void records.update('synology', () => record('nas'))
  void records.update('immich', (current) => current && { ...current, appliedAt: 'then' })
  await records.settled()
  const file = JSON.parse(await readFile(join(dir, 'integrations.json'), 'utf8')) as {
    integrations: Record<string, { appliedAt: string | null }>
  }
  expect(Object.keys(file.integrations).sort()).toEqual(['immich', 'synology'])
  expect(file.integrations.immich?.appliedAt).toBe('then')
  expect((await stat(join(dir, 'integrations.json'))).mode & 0o777).toBe(0o600)
})

test('a failed update does not stop the next one, and settled() still resolves', async () => {
  const records = createIntegrationRecords(dir)
  const failing = records.update('immich', () => {
    throw new Error('boom')
  })
  await expect(failing).rejects.toThrow('boom')
  void records.update('nextcloud', () => record('nextcloud'))
  await records.settled()
  expect((await records.get('nextcloud'))?.params).toEqual({ applicationSlug: 'nextcloud' })
  expect(await records.get('immich')).toBeUndefined()
})
