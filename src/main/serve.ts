/** Entry of `npm run serve`: the browser host on 127.0.0.1 for a headless NAS or for tests. */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Domain } from '../shared/contract'
import type { Dispatcher } from './core/dispatcher'
import { startBrowserHost } from './hosts/browser/server'
import { createServices } from './services'
import { secretsForServe } from './secrets/choose-store'

function parsePort(argv: string[]): number {
  const i = argv.findIndex((a) => a === '--port' || a.startsWith('--port='))
  if (i < 0) return 0
  const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1]
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`error: --port must be a number from 0 to 65535, not "${raw}".\n`)
    process.exit(2)
  }
  return port
}

/** What the first screen (the Dashboard and its status strip) asks for as soon as it opens. */
const FIRST_SCREEN: readonly Domain[] = [
  'docker',
  'secrets',
  'stack',
  'authentik',
  'recipes',
  'traefik',
]

/**
 * The domains the first screen does not need are loaded once the page has made its first call:
 * loading them at start would compete with serving the page and its first answers, and later
 * clicks should not wait for an import.
 */
function preloadAfterFirstCall(dispatcher: Dispatcher): Dispatcher {
  let started = false
  return {
    preload: (domains) => dispatcher.preload(domains),
    async invoke(method, input, ctx) {
      try {
        return await dispatcher.invoke(method, input, ctx)
      } finally {
        if (!started) {
          started = true
          setImmediate(() => void dispatcher.preload())
        }
      }
    },
  }
}

const here = dirname(fileURLToPath(import.meta.url))
// The secret store (#21): a vault is unlocked here, once, before the host listens.
const secretSetup = await secretsForServe(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text + '\n'),
  stderr: (text) => process.stderr.write(text + '\n'),
})
if (secretSetup.exitCode !== undefined) process.exit(secretSetup.exitCode)
const services = createServices({
  host: 'browser',
  ...secretSetup.options,
  onInternalError: (method, error) =>
    process.stderr.write(`internal error in ${method}: ${String(error)}\n`),
})
try {
  const host = await startBrowserHost({
    dispatcher: preloadAfterFirstCall(services.dispatcher),
    bus: services.bus,
    staticDir: join(here, '../renderer'),
    port: parsePort(secretSetup.argv),
  })
  // Loaded while the browser fetches the page, so its first calls do not wait for imports.
  void services.dispatcher.preload(FIRST_SCREEN)
  process.stdout.write(
    `Gatehouse is listening on 127.0.0.1 only. Open this address (the token changes at every start):\n` +
      `  ${host.url}\n` +
      `From another computer: ssh -L ${host.port}:127.0.0.1:${host.port} <your-nas>, then open the same address.\n`,
  )
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    // Sockets first (no new calls), then the services (log streams, monitors), then exit.
    void host
      .close()
      .then(() => services.dispose())
      .finally(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (error) {
  const code = (error as { code?: string }).code
  process.stderr.write(
    code === 'EADDRINUSE'
      ? 'error: that port is already in use.\nhint: pick another with --port, or leave it out for a free one.\n'
      : `error: the browser host could not start: ${String(error)}\n`,
  )
  process.exit(1)
}
