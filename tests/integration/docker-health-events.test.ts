import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createDockerEngine } from '../../src/main/docker/engine'
import { up } from '../../src/main/docker/lifecycle'
import type { ServiceSpec, StackSpec } from '../../src/main/docker/model'
import { startDockerSocketProxy, type DockerSocketProxy } from '../support/docker-socket-proxy'
import { ensureBusyboxImage } from '../support/images'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'

/**
 * Start waits for health on the engine's events, not on the poll interval (#16): a dependency
 * that turns healthy lets its dependents start at once. Polling stays the safety net when the
 * events stream is unavailable (a socket proxy that holds /events).
 */

const api = new Docker()
let image: string
const projects: string[] = []
const networks: string[] = []
const work = mkdtempSync(join(tmpdir(), 'gh-health-events-'))

function service(name: string, dependsOn: string[]): ServiceSpec {
  return {
    name,
    image,
    command: ['sh', '-c', "trap 'exit 0' TERM; touch /tmp/up; while :; do sleep 1 & wait $!; done"],
    environment: {},
    mounts: [],
    ports: [],
    healthcheck: {
      test: ['CMD-SHELL', 'test -e /tmp/up'],
      intervalMs: 200,
      timeoutMs: 2000,
      retries: 20,
      startPeriodMs: 10_000,
    },
    dependsOn,
    labels: {},
    networks: [{ name: 'default', aliases: [] }],
    restart: 'unless-stopped',
  }
}

function stack(): StackSpec {
  const project = testProject()
  projects.push(project)
  const external = `${project}-proxy`
  networks.push(external)
  return {
    project,
    workingDir: work,
    externalNetwork: external,
    volumes: [],
    services: [service('db', []), service('app', ['db'])],
  }
}

beforeAll(async () => {
  image = await ensureBusyboxImage(api)
}, 120_000)

afterAll(async () => {
  for (const p of projects) await removeProjectResources(api, p)
  for (const n of networks) await removeTestNetwork(api, n)
  rmSync(work, { recursive: true, force: true })
})

describe('health waits follow the engine events', () => {
  test('with a poll interval of a minute, Start still returns as soon as both services are healthy', async () => {
    const started = Date.now()
    const result = await up(createDockerEngine(), stack(), { pollMs: 60_000 })
    expect(result.services.map((s) => s.action)).toEqual(['created', 'created'])
    // Two dependency levels, each woken by its health_status event: far below one poll interval.
    expect(Date.now() - started).toBeLessThan(30_000)
  }, 45_000)

  describe('behind a proxy that never answers /events', () => {
    let proxy: DockerSocketProxy
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    beforeAll(async () => {
      proxy = await startDockerSocketProxy(join(work, 'proxy.sock'), {
        upstream: 'unix:///var/run/docker.sock',
        beforeForward: (line) => (line.includes('/events') ? held : undefined),
      })
    })
    afterAll(async () => {
      release()
      await proxy.close()
    })

    test('Start falls back to polling and still converges', async () => {
      const engine = createDockerEngine({ endpoint: proxy.endpoint })
      const result = await up(engine, stack(), { pollMs: 100 })
      expect(result.services.map((s) => s.action)).toEqual(['created', 'created'])
      expect(proxy.heads.some((h) => h.includes('/events'))).toBe(true)
    }, 60_000)
  })
})
