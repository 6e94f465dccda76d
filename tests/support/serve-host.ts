/**
 * A browser host of its own for an e2e spec: `node out/main/serve.js` (what `npm run serve` runs
 * after its build) with a fresh data folder and its own keychain service name, so specs never
 * share settings or secrets. Needs the D-Bus session with gnome-keyring the test script starts.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeychainStore } from '../../src/main/secrets/store'

export interface ServeHost {
  /** The address with ?token=…, for page.goto. */
  url: string
  origin: string
  token: string
  dataDir: string
  keychainService: string
  stop(): Promise<void>
}

export async function startServeHost(options: {
  keychainService: string
  /** Put into this host's keychain as the token Gatehouse uses for Authentik. */
  bootstrapToken?: string
  env?: Record<string, string>
}): Promise<ServeHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-e2e-host-'))
  const store = createKeychainStore({ service: options.keychainService })
  for (const name of ['gatehouseApiToken', 'bootstrapToken'] as const) await store.delete(name)
  if (options.bootstrapToken) await store.set('bootstrapToken', options.bootstrapToken)
  const child: ChildProcess = spawn(process.execPath, ['out/main/serve.js'], {
    env: {
      ...process.env,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_KEYCHAIN_SERVICE: options.keychainService,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL:\n${output}`)), 20_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout?.on('data', read)
    child.stderr?.on('data', read)
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)))
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    dataDir,
    keychainService: options.keychainService,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((resolve) => child.once('exit', resolve))
      }
      for (const name of ['gatehouseApiToken', 'bootstrapToken'] as const)
        await store.delete(name).catch(() => undefined)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** One contract call over the host's HTTP API, as a script would make it (Bearer token). */
export async function invoke(host: ServeHost, method: string, input: unknown): Promise<unknown> {
  const response = await fetch(`${host.origin}/api/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ method, input }),
  })
  const envelope = (await response.json()) as {
    ok: boolean
    value?: unknown
    error?: { code: string; message: string }
  }
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error?.code} ${envelope.error?.message}`)
  return envelope.value
}
