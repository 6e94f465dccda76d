/**
 * `npm run bench -- ssh` (#15): "stack up" — pull one image from a local registry, create and
 * start two containers — three ways against the same engine:
 *   1. Gatehouse over the local socket,
 *   2. Gatehouse over ssh:// (the test sshd on 127.0.0.1; one SSH connection, stream-local
 *      forward of /var/run/docker.sock),
 *   3. the docker CLI with DOCKER_HOST=ssh://… doing the same work (`docker pull`, `network
 *      create`, `create` + `start` ×2), which runs `ssh … docker system dial-stdio` per command.
 * Runs alternate; medians, the ratios against (1) and the SSH connection setups per stack up are
 * printed (target for Gatehouse: one). Needs root (the sshd helper creates users) and the engine.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import Docker from 'dockerode'
import { createDockerEngine } from '../src/main/docker/engine'
import { up } from '../src/main/docker/lifecycle'
import type { ServiceSpec, StackSpec } from '../src/main/docker/model'
import { createSshConnection } from '../src/main/ssh/connection'
import { buildBulkImage, ensureBusyboxImage } from '../tests/support/images'
import { pushImage, startRegistry } from '../tests/support/registry'
import { startTestSshd } from '../tests/support/sshd'
import {
  removeProjectResources,
  removeTestNetwork,
  testProject,
} from '../tests/support/stack-resources'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const api = new Docker()
const now = () => Number(process.hrtime.bigint()) / 1e6
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

const sshd = await startTestSshd()
const registry = await startRegistry()
const work = mkdtempSync(join(tmpdir(), 'gh-bench-ssh-'))
const ref = `${registry.host}/gatehouse-bench/bulk:${randomBytes(4).toString('hex')}`
const dockerHost = `ssh://${sshd.user}@${sshd.host}:${sshd.port}`

// The docker CLI's ssh: a wrapper that pins the test host key and counts connections.
const counter = join(work, 'ssh-count')
const knownHosts = join(work, 'known_hosts')
writeFileSync(knownHosts, `[${sshd.host}]:${sshd.port} ${sshd.hostKeyLine}\n`)
writeFileSync(
  join(work, 'ssh'),
  `#!/bin/sh\necho x >> ${counter}\nexec /usr/bin/ssh -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -i ${sshd.keyPath} "$@"\n`,
)
chmodSync(join(work, 'ssh'), 0o755)
const cliEnv = {
  ...process.env,
  DOCKER_HOST: dockerHost,
  PATH: `${work}:${process.env.PATH ?? ''}`,
}
const sshSetups = () => {
  try {
    return readFileSync(counter, 'utf8').split('\n').filter(Boolean).length
  } catch {
    return 0
  }
}

const service = (name: string): ServiceSpec => ({
  name,
  image: ref,
  command: [
    'sh',
    '-c',
    "trap 'exit 0' TERM; touch /tmp/healthy; while :; do sleep 1 & wait $!; done",
  ],
  environment: {},
  mounts: [],
  ports: [],
  dependsOn: [],
  labels: {},
  networks: [],
  restart: 'no',
})

const spec = (project: string): StackSpec => ({
  project,
  workingDir: '/tmp',
  externalNetwork: `${project}-proxy`,
  volumes: [],
  services: [service('one'), service('two')],
})

async function removeImage() {
  await api
    .getImage(ref)
    .remove({ force: true })
    .catch(() => undefined)
}

async function cleanup(project: string) {
  await removeProjectResources(api, project)
  await removeTestNetwork(api, `${project}-proxy`)
}

const results: Record<string, number[]> = { local: [], ssh: [], cli: [] }
const setups: Record<string, number[]> = { ssh: [], cli: [] }

try {
  await ensureBusyboxImage(api)
  await buildBulkImage(api, ref, 8 * 1024 * 1024)
  pushImage(ref)

  for (let run = 0; run < RUNS; run++) {
    for (const way of ['local', 'ssh', 'cli'] as const) {
      await removeImage()
      const project = testProject()
      try {
        if (way === 'cli') {
          const before = sshSetups()
          const start = now()
          const docker = (...args: string[]) =>
            execFileSync('docker', args, { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] })
          docker('pull', '-q', ref)
          // As Gatehouse (and compose) do: the project's own network first.
          docker(
            'network',
            'create',
            '--label',
            `com.docker.compose.project=${project}`,
            `${project}_default`,
          )
          for (const name of ['one', 'two']) {
            docker(
              'create',
              '--name',
              `${project}_${name}_1`,
              '--label',
              `com.docker.compose.project=${project}`,
              '--network',
              `${project}_default`,
              ref,
              'sh',
              '-c',
              'while :; do sleep 1 & wait $!; done',
            )
            docker('start', `${project}_${name}_1`)
          }
          results.cli!.push(now() - start)
          setups.cli!.push(sshSetups() - before)
        } else if (way === 'ssh') {
          const connection = createSshConnection({
            target: { user: sshd.user, host: sshd.host, port: sshd.port },
            auth: { kind: 'key', privateKey: readFileSync(sshd.keyPath) },
            trust: { pinned: sshd.fingerprint, knownHosts: false },
          })
          const engine = createDockerEngine({ endpoint: dockerHost, ssh: { connection } })
          const start = now()
          await up(engine, spec(project), { stopTimeoutSec: 1 })
          results.ssh!.push(now() - start)
          setups.ssh!.push(connection.stats.handshakes)
          await connection.close()
        } else {
          const start = now()
          await up(createDockerEngine(), spec(project), { stopTimeoutSec: 1 })
          results.local!.push(now() - start)
        }
      } finally {
        await cleanup(project)
      }
    }
  }

  const base = median(results.local!)
  console.log(`stack up (pull 8 MB layer + create + start 2 containers), median of ${RUNS}:`)
  for (const [way, label] of [
    ['local', 'Gatehouse, local socket      '],
    ['ssh', 'Gatehouse over ssh://        '],
    ['cli', 'docker CLI, DOCKER_HOST=ssh://'],
  ] as const) {
    const m = median(results[way]!)
    const s = setups[way as 'ssh' | 'cli']
    console.log(
      `  ${label} ${m.toFixed(0).padStart(6)} ms  ratio ${(m / base).toFixed(2)}` +
        (s ? `  SSH connection setups per stack up: ${median(s)}` : ''),
    )
  }
} finally {
  await removeImage()
  await registry.stop()
  await sshd.dispose()
  rmSync(work, { recursive: true, force: true })
  spawnSync('true')
}
