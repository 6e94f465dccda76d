import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createKeychainStore,
  type SecretStore,
  type StoredSecretName,
} from '../../src/main/secrets/store'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import { sampleSettings } from './sample-settings'

const bin = join(import.meta.dirname, '..', '..', 'bin', 'gatehouse.mjs')

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** The real `gatehouse` bin as a user runs it (built by `npm run build`), with extra env. */
export function runGatehouse(
  args: string[],
  env: Record<string, string>,
  options: { input?: string; timeoutMs?: number } = {},
): CliRun {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    input: options.input,
    timeout: options.timeoutMs ?? 120_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/**
 * The same, without blocking the event loop: needed when the test process itself serves what
 * the CLI calls (the in-process fake Authentik).
 */
export function runGatehouseAsync(
  args: string[],
  env: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

export interface CliAgainstFake {
  /** GATEHOUSE_DATA_DIR and GATEHOUSE_KEYCHAIN_SERVICE of this run: pass to runGatehouseAsync. */
  env: Record<string, string>
  keychain: SecretStore
  fake: FakeAuthentik
  /** Stops the fake, removes the data folder and these keychain entries (plus the token). */
  close(secretsToForget?: StoredSecretName[]): Promise<void>
}

/**
 * What every CLI test against Authentik starts from: a fake Authentik (2025.6.3), its bootstrap
 * token in a keychain service of the test's own, and settings saved through the CLI itself.
 */
export async function startCliAgainstFake(name: string, token: string): Promise<CliAgainstFake> {
  const service = `gatehouse-test-${name}-${process.pid}`
  const dataDir = mkdtempSync(join(tmpdir(), `gh-${name}-`))
  const env = { GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_KEYCHAIN_SERVICE: service }
  const keychain = createKeychainStore({ service })
  const fake = await startFakeAuthentik({ version: '2025.6.3', bootstrapToken: token })
  await keychain.set('bootstrapToken', token)
  const settings = sampleSettings(join(dataDir, 'stack'), { authentikUrl: fake.url })
  const saved = await runGatehouseAsync(
    ['settings', 'save', '--json', JSON.stringify(settings)],
    env,
  )
  if (saved.code !== 0) throw new Error(`settings save failed: ${saved.stderr}`)
  return {
    env,
    keychain,
    fake,
    async close(secretsToForget = []) {
      const names: StoredSecretName[] = ['bootstrapToken', ...secretsToForget]
      for (const secret of names) await keychain.delete(secret)
      await fake.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
