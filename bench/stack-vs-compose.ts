/**
 * `npm run bench`: Start and Stop wall time of Gatehouse against Debian's docker-compose 1.29 on
 * the same stack (exported by Gatehouse), the same small local images and the same engine — as
 * the user waits for it: through the `gatehouse` CLI (a cold process each time, the keychain a
 * real gnome-keyring), with the in-process lifecycle figure beside it. Compose's Start is `up -d`
 * plus polling health until every service is healthy (what Gatehouse's Start waits for); Stop is
 * `down` for both; a no-op Start is Start on the running, unchanged stack. Runs alternate; medians
 * and the ratio Gatehouse/compose are printed. A ratio ≤ 1.0 means Gatehouse is as fast or faster.
 *
 * Needs a Secret Service: outside one, it re-runs itself under scripts/with-keyring.sh.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Docker from 'dockerode'
import { createDockerEngine } from '../src/main/docker/engine'
import * as lifecycle from '../src/main/docker/lifecycle'
import { buildStack } from '../src/main/stack/catalogue'
import { exportStack } from '../src/main/stack/compose-export'
import { SettingsSchema } from '../src/shared/settings'
import { ensureFakeStackImage } from '../tests/support/fake-stack-image'
import {
  removeProjectResources,
  removeTestNetwork,
  testProject,
} from '../tests/support/stack-resources'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (!process.env.GATEHOUSE_BENCH_KEYRING) {
  // The CLI keeps its secrets in the keychain: run inside a private, unlocked gnome-keyring.
  const inner = spawnSync(
    'bash',
    [
      join(root, 'scripts', 'with-keyring.sh'),
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit', env: { ...process.env, GATEHOUSE_BENCH_KEYRING: '1' } },
  )
  process.exit(inner.status ?? 1)
}

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const api = new Docker()
const engine = createDockerEngine()
const work = mkdtempSync(join(tmpdir(), 'gh-bench-'))
const network = `ghbench-proxy-${process.pid}`

function specFor(project: string, image: string) {
  const settings = SettingsSchema.parse({
    baseDomain: 'example.test',
    adminEmail: 'admin@example.test',
    smtp: { host: 'smtp.example.test', port: 587, from: 'a@example.test', tls: 'starttls' },
    dataFolder: join(work, project),
    timezone: 'UTC',
    project,
    imageOverrides: { postgresql: image, authentik: image },
  })
  const secrets = {
    postgresPassword: 'p'.repeat(60),
    authentikSecretKey: 's'.repeat(60),
    bootstrapPassword: 'b'.repeat(60),
    bootstrapToken: 't'.repeat(60),
  }
  return buildStack(settings, secrets, { traefikNetwork: network })
}

async function allHealthy(project: string): Promise<boolean> {
  const list = await api.listContainers({
    all: true,
    filters: { label: [`com.docker.compose.project=${project}`] },
  })
  if (list.length < 3) return false
  const states = await Promise.all(
    list.map(async (c) => (await api.getContainer(c.Id).inspect()).State),
  )
  return states.every((s) => s.Running && (s.Health?.Status ?? 'healthy') === 'healthy')
}

/** `gatehouse …` as the user runs it: the built CLI in a fresh Node process. */
function gatehouse(env: Record<string, string>, ...args: string[]): number {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [join(root, 'bin', 'gatehouse.mjs'), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`gatehouse ${args.join(' ')} failed: ${r.stderr}`)
  return ms(start)
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main() {
  const image = await ensureFakeStackImage(api)
  const gh = testProject()
  const dc = testProject()
  const cli = testProject()
  const cliEnv = {
    GATEHOUSE_DATA_DIR: join(work, 'cli-data'),
    GATEHOUSE_TRAEFIK_NETWORK: network,
    GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-bench-${process.pid}`,
  }
  const ghSpec = specFor(gh, image)
  const dcSpec = specFor(dc, image)
  const folder = join(work, 'compose')
  await exportStack({ ...dcSpec, workingDir: folder }, folder)
  // The external network must exist for compose; Gatehouse would create it itself.
  await api.createNetwork({ Name: network, Labels: { 'io.gatehouse.bench': 'true' } })
  const compose = (...args: string[]) =>
    execFileSync('docker-compose', ['-p', dc, ...args], { cwd: folder, stdio: 'pipe' })

  const t = {
    ghUp: [] as number[],
    ghDown: [] as number[],
    cliUp: [] as number[],
    cliNoop: [] as number[],
    cliDown: [] as number[],
    dcUp: [] as number[],
    dcNoop: [] as number[],
    dcDown: [] as number[],
  }
  try {
    gatehouse(
      cliEnv,
      'settings',
      'save',
      '--json',
      JSON.stringify({
        baseDomain: 'example.test',
        adminEmail: 'admin@example.test',
        smtp: { host: 'smtp.example.test', port: 587, from: 'a@example.test', tls: 'starttls' },
        dataFolder: join(work, cli),
        timezone: 'UTC',
        project: cli,
        imageOverrides: { postgresql: image, authentik: image },
      }),
    )
    // One warm-up each: volumes and networks created, images resolved, secrets generated.
    await lifecycle.up(engine, ghSpec)
    await lifecycle.down(engine, ghSpec)
    gatehouse(cliEnv, 'stack', 'up')
    gatehouse(cliEnv, 'stack', 'down')
    compose('up', '-d')
    compose('down')
    for (let i = 0; i < RUNS; i++) {
      t.cliUp.push(gatehouse(cliEnv, 'stack', 'up'))
      t.cliNoop.push(gatehouse(cliEnv, 'stack', 'up'))
      t.cliDown.push(gatehouse(cliEnv, 'stack', 'down'))

      let s = process.hrtime.bigint()
      await lifecycle.up(engine, ghSpec, { pollMs: 100 })
      t.ghUp.push(ms(s))
      s = process.hrtime.bigint()
      await lifecycle.down(engine, ghSpec)
      t.ghDown.push(ms(s))

      s = process.hrtime.bigint()
      compose('up', '-d')
      while (!(await allHealthy(dc))) await new Promise((r) => setTimeout(r, 100))
      t.dcUp.push(ms(s))
      s = process.hrtime.bigint()
      compose('up', '-d')
      t.dcNoop.push(ms(s))
      s = process.hrtime.bigint()
      compose('down')
      t.dcDown.push(ms(s))
      process.stderr.write(`run ${i + 1}/${RUNS} done\n`)
    }
  } finally {
    await removeProjectResources(api, gh)
    await removeProjectResources(api, cli)
    await removeProjectResources(api, dc)
    await removeTestNetwork(api, network)
    rmSync(work, { recursive: true, force: true })
  }
  const row = (name: string, g: number[], c: number[]) =>
    `${name.padEnd(24)} gatehouse ${median(g).toFixed(0).padStart(6)} ms   docker-compose ${median(
      c,
    )
      .toFixed(0)
      .padStart(6)} ms   ratio ${(median(g) / median(c)).toFixed(2)}×`
  console.log(`Stack of 3 services (postgresql, server, worker), ${RUNS} alternated runs, medians:`)
  console.log(row('Start, CLI (target ≤0.9×)', t.cliUp, t.dcUp))
  console.log(row('Start, in-process', t.ghUp, t.dcUp))
  console.log(row('no-op Start, CLI', t.cliNoop, t.dcNoop))
  console.log(row('Stop, CLI (target ≤1.0×)', t.cliDown, t.dcDown))
  console.log(row('Stop, in-process', t.ghDown, t.dcDown))
  console.log(`no-op Start through the CLI: ${median(t.cliNoop).toFixed(0)} ms (target ≤ 500 ms)`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
