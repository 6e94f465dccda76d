import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'

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
