/**
 * `npm run bench`: Start and Stop wall time of Gatehouse's lifecycle against Debian's
 * docker-compose 1.29 on the same stack (exported by Gatehouse), the same small local images and
 * the same engine. Compose's Start is `up -d` plus polling health until every service is healthy
 * (what Gatehouse's Start waits for); Stop is `down` for both. Runs alternate; medians and the
 * ratio Gatehouse/compose are printed. A ratio ≤ 1.0 means Gatehouse is as fast or faster.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main() {
  const image = await ensureFakeStackImage(api)
  const gh = testProject()
  const dc = testProject()
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
    dcUp: [] as number[],
    dcDown: [] as number[],
  }
  try {
    // One warm-up each: volumes and networks created, images resolved.
    await lifecycle.up(engine, ghSpec)
    await lifecycle.down(engine, ghSpec)
    compose('up', '-d')
    compose('down')
    for (let i = 0; i < RUNS; i++) {
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
      compose('down')
      t.dcDown.push(ms(s))
      process.stderr.write(`run ${i + 1}/${RUNS} done\n`)
    }
  } finally {
    await removeProjectResources(api, gh)
    await removeProjectResources(api, dc)
    await removeTestNetwork(api, network)
    rmSync(work, { recursive: true, force: true })
  }
  const row = (name: string, g: number[], c: number[]) =>
    `${name.padEnd(6)} gatehouse ${median(g).toFixed(0).padStart(6)} ms   docker-compose ${median(c)
      .toFixed(0)
      .padStart(6)} ms   ratio ${(median(g) / median(c)).toFixed(2)}×`
  console.log(`Stack of 3 services (postgresql, server, worker), ${RUNS} alternated runs, medians:`)
  console.log(row('Start', t.ghUp, t.dcUp))
  console.log(row('Stop', t.ghDown, t.dcDown))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
