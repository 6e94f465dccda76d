/**
 * `npm run bench -- cold`: how long the user waits before Gatehouse does anything, as a user runs
 * it. Each figure is the median wall time of a fresh process of the built app (`out/`, build first
 * with `npx electron-vite build`), beside two floors measured in the same run: `node -e 0` (the
 * runtime alone) and `docker version` (a client that talks to the same engine).
 *
 * - CLI cold start per command: `--help` (contract only), `docker ping`, `settings get`,
 *   `secrets status` (keychain), `stack status`.
 * - No-op `stack up` through the CLI: the stack (3 services on the small local test image) is
 *   started once, then `gatehouse stack up` on the unchanged stack is timed.
 * - Browser host: `node out/main/serve.js` until it prints its URL, and until the page (Chromium)
 *   shows the sidebar — interactive.
 *
 * BENCH_BASELINE=<another built checkout> adds the same CLI rows for that checkout's bin, run
 * alternately in the same process (a before/after comparison on a busy machine).
 *
 * Needs the Docker engine and a Secret Service (run it under scripts/with-keyring.sh).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { chromium } from '@playwright/test'
import { createKeychainStore, secretNames } from '../src/main/secrets/store'
import { ensureFakeStackImage } from '../tests/support/fake-stack-image'
import { sampleSettings } from '../tests/support/sample-settings'
import {
  removeProjectResources,
  removeTestNetwork,
  testProject,
} from '../tests/support/stack-resources'

const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const root = join(import.meta.dirname, '..')
const bin = join(root, 'bin', 'gatehouse.mjs')
const api = new Docker()
const work = mkdtempSync(join(tmpdir(), 'gh-bench-cold-'))
const keychainService = `gatehouse-bench-${randomUUID().slice(0, 8)}`
const network = `ghbench-cold-${process.pid}`
const env = {
  ...process.env,
  GATEHOUSE_DATA_DIR: work,
  GATEHOUSE_KEYCHAIN_SERVICE: keychainService,
  GATEHOUSE_TRAEFIK_NETWORK: network,
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const now = () => Number(process.hrtime.bigint()) / 1e6

/** Median wall time of `command args` run RUNS times (after one warm-up for the disk cache). */
function timeCommand(command: string, args: string[]): number {
  const times: number[] = []
  for (let i = 0; i <= RUNS; i++) {
    const start = now()
    const run = spawnSync(command, args, { env, encoding: 'utf8' })
    const took = now() - start
    if (run.status !== 0)
      throw new Error(`${command} ${args.join(' ')} exited ${String(run.status)}: ${run.stderr}`)
    if (i > 0) times.push(took)
  }
  return median(times)
}

const baseline = process.env.BENCH_BASELINE
/** This checkout's bin, and (with BENCH_BASELINE) the other checkout's, timed alternately. */
function gatehouse(...args: string[]): [number, number | null] {
  if (!baseline) return [timeCommand(process.execPath, [bin, ...args]), null]
  const other = join(baseline, 'bin', 'gatehouse.mjs')
  const mine: number[] = []
  const theirs: number[] = []
  for (let round = 0; round < 3; round++) {
    mine.push(timeCommand(process.execPath, [bin, ...args]))
    theirs.push(timeCommand(process.execPath, [other, ...args]))
  }
  return [median(mine), median(theirs)]
}

function runOnce(...args: string[]): void {
  const run = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`gatehouse ${args.join(' ')} failed: ${run.stderr}`)
}

/** Time until serve.js prints its URL, then until the page shows the sidebar. */
async function browserHostColdStart(
  checkout = root,
): Promise<{ url: number; interactive: number }> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' })
  const urls: number[] = []
  const interactive: number[] = []
  try {
    for (let i = 0; i <= RUNS; i++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      const start = now()
      const child = spawn(process.execPath, [join(checkout, 'out/main/serve.js')], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let output = ''
          const timer = setTimeout(() => reject(new Error(`no URL:\n${output}`)), 20_000)
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString()
            const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output)
            if (match) {
              clearTimeout(timer)
              resolve(match[1]!)
            }
          })
        })
        const printed = now() - start
        await page.goto(url)
        await page.getByTestId('sidebar').waitFor({ state: 'visible' })
        const ready = now() - start
        if (i > 0) {
          urls.push(printed)
          interactive.push(ready)
        }
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
        await context.close()
      }
    }
  } finally {
    await browser.close()
  }
  return { url: median(urls), interactive: median(interactive) }
}

async function main() {
  if (!existsSync(join(root, 'out/main/cli.js')))
    throw new Error('build first: electron-vite build')
  const image = await ensureFakeStackImage(api)
  const project = testProject()
  const settings = sampleSettings(join(work, 'stack'), {
    project,
    imageOverrides: { postgresql: image, authentik: image },
  })
  const rows: [string, number, (number | null)?][] = []
  const row = (name: string, [mine, theirs]: [number, number | null]) =>
    rows.push([name, mine, theirs])
  try {
    runOnce('settings', 'save', '--json', JSON.stringify(settings))
    // BENCH_ONLY=serve: the browser host rows alone.
    const cli = process.env.BENCH_ONLY !== 'serve'
    const nodeFloor = timeCommand(process.execPath, ['-e', '0'])
    const dockerFloor = timeCommand('docker', ['version'])
    rows.push(['node -e 0', nodeFloor], ['docker version', dockerFloor])
    if (cli) {
      row('gatehouse --help', gatehouse('--help'))
      row('gatehouse docker ping', gatehouse('docker', 'ping'))
      row('gatehouse settings get', gatehouse('settings', 'get'))
      row('gatehouse secrets status', gatehouse('secrets', 'status'))
      row('gatehouse stack status', gatehouse('stack', 'status'))
      runOnce('stack', 'up')
      row('gatehouse stack up (no-op)', gatehouse('stack', 'up'))
      runOnce('stack', 'down')
    }
    const hosts: { url: number; interactive: number }[] = []
    const before: { url: number; interactive: number }[] = []
    for (let round = 0; round < (baseline ? 3 : 1); round++) {
      hosts.push(await browserHostColdStart())
      if (baseline) before.push(await browserHostColdStart(baseline))
    }
    const pick = (xs: typeof hosts, key: 'url' | 'interactive') =>
      xs.length ? median(xs.map((x) => x[key])) : null
    rows.push(
      ['serve: URL printed', pick(hosts, 'url')!, pick(before, 'url')],
      ['serve: interactive', pick(hosts, 'interactive')!, pick(before, 'interactive')],
    )

    console.log(`Cold start of the built app, medians of ${RUNS} fresh processes:`)
    for (const [name, took, before] of rows)
      console.log(
        `${name.padEnd(28)} ${took.toFixed(0).padStart(6)} ms   ×node ${(took / nodeFloor).toFixed(2).padStart(5)}   ×docker ${(took / dockerFloor).toFixed(2).padStart(5)}` +
          (before
            ? `   baseline ${before.toFixed(0).padStart(6)} ms (×${(took / before).toFixed(2)})`
            : ''),
      )
  } finally {
    await removeProjectResources(api, project)
    await removeTestNetwork(api, network)
    const keychain = createKeychainStore({ service: keychainService })
    for (const name of secretNames) await keychain.delete(name).catch(() => false)
    rmSync(work, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
