import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { buildStack } from '../../src/main/stack/catalogue'
import { exportStack } from '../../src/main/stack/compose-export'
import { SettingsSchema } from '../../src/shared/settings'
import { caught } from '../support/caught'
import { sampleSettings } from '../support/sample-settings'

const secret = (c: string) => c.repeat(64)
const spec = buildStack(SettingsSchema.parse(sampleSettings('/srv/authentik')), {
  postgresPassword: secret('p'),
  authentikSecretKey: secret('k'),
  bootstrapPassword: secret('b'),
  bootstrapToken: secret('t'),
  smtpPassword: 'smtp-password',
})

const roots: string[] = []
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true })
})

test('an export that cannot be written leaves no folder behind (the ones it made are removed)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'gh-export-cleanup-'))
  roots.push(root)
  // The parent can be made, the leaf cannot (a name longer than any file system allows).
  const folder = join(root, 'made-first', 'x'.repeat(300))
  const error = await caught(exportStack(spec, folder))
  expect(error).toMatchObject({ code: 'EXPORT_FAILED' })
  expect(existsSync(join(root, 'made-first'))).toBe(false)
  expect(await readdir(root)).toEqual([])
})

test('a successful export into new nested folders writes both files', async () => {
  const root = await mkdtemp(join(tmpdir(), 'gh-export-cleanup-'))
  roots.push(root)
  const result = await exportStack(spec, join(root, 'a', 'b'))
  expect(existsSync(result.composeFile) && existsSync(result.envFile)).toBe(true)
})
