/**
 * `npm run bench`: the Users panel with 10 000 users, in Chromium, virtual scrolling (what ships)
 * against the same list rendered as a plain table (`#/users?virtual=0`: the same store and the
 * same server pages, loaded as they scroll into view, but one DOM row per user), alternating runs
 * in one browser. Measured per run:
 *  - data → first rows: from the first page arriving in the store (a performance mark) to the
 *    first real row in the DOM plus one animation frame (≈ painted);
 *  - frame times while scrolling to the end (requestAnimationFrame deltas: median, p95, max);
 *  - renderer JS heap (CDP Performance.getMetrics, after a forced GC) and DOM nodes at the end.
 * The browser host and the schema-checked fake Authentik run in this process; the token lives in
 * an in-memory store, so no keychain is needed.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from '@playwright/test'
import { createLocalBridge } from '../src/main/core/local-bridge'
import { startBrowserHost } from '../src/main/hosts/browser/server'
import { createMemoryStore } from '../src/main/secrets/store'
import { createServices } from '../src/main/services'
import { createClient } from '../src/shared/client'
import { startFakeAuthentik } from '../tests/fakes/authentik/server'
import { sampleSettings } from '../tests/support/sample-settings'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const USERS = 10_000
const SCROLL_STEP_PX = 2000
const root = join(import.meta.dirname, '..')
const TOKEN = 'bench-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789'

interface Run {
  mode: 'virtual' | 'plain'
  dataToRowsMs: number
  frames: { median: number; p95: number; max: number; count: number }
  scrollToEndMs: number
  heapMb: number
  nodes: number
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  )

async function main() {
  if (!existsSync(join(root, 'out/renderer/index.html'))) {
    console.log('building the renderer (electron-vite build)…')
    execFileSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' })
  }
  const fake = await startFakeAuthentik({ version: '2026.8.3', bootstrapToken: TOKEN })
  fake.state.seedUsers(USERS)
  const lastUsername = [...fake.state.users.values()]
    .map((u) => u.username)
    .filter((u) => u !== 'AnonymousUser')
    .sort()
    .at(-1)!
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-bench-users-'))
  const services = createServices({
    host: 'browser',
    dataDir,
    secretStore: createMemoryStore({ bootstrapToken: TOKEN }),
  })
  await createClient(
    createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }),
  ).settings.save(sampleSettings(join(dataDir, 'stack'), { authentikUrl: fake.url }))
  const host = await startBrowserHost({
    dispatcher: services.dispatcher,
    bus: services.bus,
    staticDir: join(root, 'out/renderer'),
    port: 0,
  })
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--js-flags=--expose-gc'],
  })
  const runs: Run[] = []
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const mode of i % 2 === 0
        ? (['virtual', 'plain'] as const)
        : (['plain', 'virtual'] as const)) {
        const run = await measure(browser, host.url, mode, lastUsername)
        runs.push(run)
        console.log(
          `run ${i + 1} ${mode.padEnd(7)} data→rows ${run.dataToRowsMs.toFixed(0)} ms · frames median ${run.frames.median.toFixed(1)} p95 ${run.frames.p95.toFixed(1)} max ${run.frames.max.toFixed(0)} ms (${run.frames.count}) · to end ${run.scrollToEndMs.toFixed(0)} ms · heap ${run.heapMb.toFixed(1)} MB · ${run.nodes} nodes`,
        )
      }
    }
  } finally {
    await browser.close()
    await host.close()
    services.dispose()
    await fake.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  report(runs)
  if (fake.schemaViolations.length) {
    console.error('fake Authentik schema violations:', fake.schemaViolations.slice(0, 5))
    process.exit(1)
  }
}

async function measure(
  browser: Browser,
  url: string,
  mode: Run['mode'],
  lastUsername: string,
): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  // The first real row in the DOM, plus one frame.
  await page.addInitScript(() => {
    const w = window as unknown as { __firstRowsAt?: number }
    new MutationObserver((_, observer) => {
      if (document.querySelector('[data-testid="users-table-row"]')) {
        observer.disconnect()
        requestAnimationFrame(() => (w.__firstRowsAt = performance.now()))
      }
    }).observe(document, { childList: true, subtree: true })
  })
  const base = new URL(url)
  await page.goto(url)
  await page.waitForSelector('[data-testid="sidebar"]')
  await page.goto(`${base.origin}/#/users${mode === 'plain' ? '?virtual=0' : ''}`)
  await page.waitForFunction(() => (window as { __firstRowsAt?: number }).__firstRowsAt, null, {
    timeout: 120_000,
  })
  const dataToRowsMs = await page.evaluate(() => {
    const mark = performance.getEntriesByName('gatehouse:list-data').at(-1)
    return (window as unknown as { __firstRowsAt: number }).__firstRowsAt - (mark?.startTime ?? NaN)
  })
  // A string, not a function: tsx's keep-names helper (`__name`) does not exist in the page.
  const scroll = (await page.evaluate(`(async () => {
    const step = ${SCROLL_STEP_PX}
    const last = ${JSON.stringify(lastUsername)}
    const table = document.querySelector('[data-testid="users-table"]')
    const scroller = [...table.querySelectorAll('*')].find(
      (el) => el.scrollHeight > el.clientHeight + 400,
    )
    const deltas = []
    const started = performance.now()
    let previous = started
    await new Promise((resolve) => {
      const frame = (now) => {
        deltas.push(now - previous)
        previous = now
        scroller.scrollTop = Math.min(scroller.scrollTop + step, scroller.scrollHeight)
        scroller.dispatchEvent(new Event('scroll'))
        const atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2
        const shown = [...table.querySelectorAll('[data-testid="user-username-cell"]')].some(
          (cell) => cell.textContent === last,
        )
        if (atEnd && shown) resolve()
        else requestAnimationFrame(frame)
      }
      requestAnimationFrame(frame)
    })
    return { deltas: deltas.slice(1), ms: performance.now() - started }
  })()`)) as { deltas: number[]; ms: number }
  const cdp = await context.newCDPSession(page)
  await cdp.send('HeapProfiler.collectGarbage')
  await cdp.send('Performance.enable')
  const { metrics } = await cdp.send('Performance.getMetrics')
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN
  await context.close()
  const sorted = [...scroll.deltas].sort((a, b) => a - b)
  return {
    mode,
    dataToRowsMs,
    frames: {
      median: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      max: sorted.at(-1) ?? NaN,
      count: sorted.length,
    },
    scrollToEndMs: scroll.ms,
    heapMb: metric('JSHeapUsedSize') / 1024 / 1024,
    nodes: metric('Nodes'),
  }
}

function report(runs: Run[]) {
  const of = (mode: Run['mode'], pick: (r: Run) => number) =>
    median(runs.filter((r) => r.mode === mode).map(pick))
  const rows: [string, (r: Run) => number, string][] = [
    ['data → first rows', (r) => r.dataToRowsMs, 'ms'],
    ['frame time median', (r) => r.frames.median, 'ms'],
    ['frame time p95', (r) => r.frames.p95, 'ms'],
    ['frame time max', (r) => r.frames.max, 'ms'],
    ['scroll to the end', (r) => r.scrollToEndMs, 'ms'],
    ['JS heap', (r) => r.heapMb, 'MB'],
    ['DOM nodes', (r) => r.nodes, ''],
  ]
  console.log(`\nUsers panel, ${USERS.toLocaleString('en')} users, medians of ${RUNS} runs each`)
  console.log(
    `${'measure'.padEnd(20)}${'virtual'.padStart(12)}${'plain'.padStart(12)}  plain/virtual`,
  )
  for (const [label, pick, unit] of rows) {
    const v = of('virtual', pick)
    const p = of('plain', pick)
    console.log(
      `${label.padEnd(20)}${`${v.toFixed(1)} ${unit}`.padStart(12)}${`${p.toFixed(1)} ${unit}`.padStart(12)}  ${(p / v).toFixed(1)}×`,
    )
  }
}

await main()
