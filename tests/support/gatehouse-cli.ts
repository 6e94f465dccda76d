import { spawnSync } from 'node:child_process'
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
