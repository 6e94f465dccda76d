/**
 * A browser host of its own for an e2e spec: `node out/main/serve.js` (what `npm run serve` runs
 * after its build) with a fresh data folder and its own keychain service name, so specs never
 * share settings or secrets. Needs the D-Bus session with gnome-keyring the test script starts.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeychainStore, secretNames, type SecretName } from '../../src/main/secrets/store'
import type { InputOf, MethodName, OutputOf } from '../../src/shared/contract'
import { GatehouseError, type Envelope } from '../../src/shared/errors'
import { sampleSettings } from './sample-settings'

const root = join(import.meta.dirname, '..', '..')

export interface ServeHost {
  /** The printed address, token included (`http://127.0.0.1:<port>/?token=…`). */
  url: string
  origin: string
  /** The token of that address, for `Authorization: Bearer` calls. */
  token: string
  dataDir: string
  /** The keychain service this host keeps its secrets under (not the user's "gatehouse"). */
  keychainService: string
  stop(): Promise<void>
}

/**
 * The real browser host (`node out/main/serve.js`, built by `electron-vite build`) with a data
 * folder and a keychain service of its own, so several hosts and the global one never share
 * settings or secrets. Needs a Secret Service (run under scripts/with-keyring.sh).
 */
export async function startServeHost(
  options: {
    env?: Record<string, string>
    dataDir?: string
    /** Default: a fresh `gatehouse-test-<random>`; every entry under it is deleted by stop(). */
    keychainService?: string
    /** Put into the host's keychain before it starts (the fake's bootstrap token, say). */
    bootstrapToken?: string
    gatehouseApiToken?: string
  } = {},
): Promise<ServeHost> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gh-serve-'))
  const keychainService = options.keychainService ?? `gatehouse-test-${randomUUID().slice(0, 8)}`
  const keychain = createKeychainStore({ service: keychainService })
  // A fixed service name may hold a previous run's tokens: start from none.
  for (const name of ['gatehouseApiToken', 'bootstrapToken'] as const) await keychain.delete(name)
  if (options.bootstrapToken) await keychain.set('bootstrapToken', options.bootstrapToken)
  if (options.gatehouseApiToken) await keychain.set('gatehouseApiToken', options.gatehouseApiToken)
  const child: ChildProcess = spawn(process.execPath, [join(root, 'out/main/serve.js')], {
    cwd: root,
    env: {
      ...process.env,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_KEYCHAIN_SERVICE: keychainService,
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
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${String(code)}:\n${output}`))
    })
  })
  return {
    url,
    origin: new URL(url).origin,
    token: new URL(url).searchParams.get('token') ?? '',
    dataDir,
    keychainService,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      for (const name of secretNames) await keychain.delete(name as SecretName).catch(() => false)
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * One contract call through the host's own HTTP API (`POST /api/invoke`, the printed token as
 * Bearer), as a script would make it. Throws the GatehouseError the host answered with.
 */
export async function invoke<M extends MethodName>(
  host: Pick<ServeHost, 'origin' | 'token'>,
  method: M,
  input: InputOf<M>,
): Promise<OutputOf<M>> {
  const response = await fetch(`${host.origin}/api/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
    body: JSON.stringify({ method, input }),
  })
  if (!response.ok) throw new Error(`${method}: the browser host answered HTTP ${response.status}`)
  const envelope = (await response.json()) as Envelope<OutputOf<M>>
  if (!envelope.ok) throw new GatehouseError(envelope.error)
  return envelope.value
}

/**
 * Points a serve host at an Authentik (usually the fake): settings saved through the host with
 * `authentikUrl` set to it, and the API token in the host's keychain service under the name
 * Gatehouse reads (`gatehouseApiToken` once R1 ran, `bootstrapToken` before; see
 * src/main/authentik/connection.ts).
 */
export async function connectServeHostToAuthentik(
  host: Pick<ServeHost, 'origin' | 'token' | 'dataDir' | 'keychainService'>,
  authentik: { url: string; token: string; as?: 'bootstrapToken' | 'gatehouseApiToken' },
  settings: { baseDomain?: string } = {},
): Promise<void> {
  await invoke(
    host,
    'settings.save',
    sampleSettings(join(host.dataDir, 'stack'), {
      authentikUrl: authentik.url,
      ...(settings.baseDomain ? { baseDomain: settings.baseDomain } : {}),
    }),
  )
  await createKeychainStore({ service: host.keychainService }).set(
    authentik.as ?? 'bootstrapToken',
    authentik.token,
  )
}
