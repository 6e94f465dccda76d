import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports'

/**
 * Debian's `docker-registry` (the CNCF distribution registry) on 127.0.0.1 with a throw-away
 * config and storage: the engine treats 127.0.0.0/8 as an insecure registry, so plain HTTP works
 * without touching the engine's configuration.
 */

export const REGISTRY_BINARY = '/usr/bin/docker-registry'

export interface LocalRegistry {
  /** "127.0.0.1:<port>", the prefix of image references in it. */
  readonly host: string
  stop(): Promise<void>
}

export async function startRegistry(): Promise<LocalRegistry> {
  if (!existsSync(REGISTRY_BINARY))
    throw new Error(`${REGISTRY_BINARY} is missing: apt-get install docker-registry`)
  const dir = mkdtempSync(join(tmpdir(), 'gh-registry-'))
  const port = await freePort()
  const host = `127.0.0.1:${port}`
  const config = join(dir, 'config.yml')
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()))
  let exited = false
  child.on('exit', () => (exited = true))

  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))])
      if (!exited) child.kill('SIGKILL')
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + 10_000
  for (;;) {
    if (exited) {
      await stop()
      throw new Error(`docker-registry exited at start: ${stderr.trim()}`)
    }
    try {
      const res = await fetch(`http://${host}/v2/`)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`docker-registry did not answer on ${host} within 10 s: ${stderr.trim()}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { host, stop }
}

/**
 * Pushes a local image to the registry with the docker CLI (test support only; Gatehouse itself
 * never needs the CLI).
 */
export function pushImage(ref: string): void {
  execFileSync('docker', ['push', '-q', ref], { stdio: ['ignore', 'pipe', 'pipe'] })
}
