import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { containerName } from '../../src/main/docker/compose'
import type Docker from 'dockerode'
import type { DockerEngine } from '../../src/main/docker/engine'
import { exec } from '../../src/main/docker/exec'
import { up } from '../../src/main/docker/lifecycle'
import { followLogs, tailLogs, type LogLine } from '../../src/main/docker/logs'
import type { ServiceSpec, StackSpec } from '../../src/main/docker/model'
import { ensureBusyboxImage } from '../support/images'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'
import { caught } from '../support/caught'
import { engineKinds, engineTarget } from '../support/engine-targets'

/**
 * Logs (tail and follow, stdout vs stderr, batching, close) and exec on real containers, through
 * the local socket and over ssh:// (#15): the same tests, both transports.
 */

const FLOOD_LINES = 5000

const service = (name: string, script: string): ServiceSpec => ({
  name,
  image: 'gatehouse-test/busybox:1',
  // The image's own HEALTHCHECK waits for /tmp/healthy.
  command: ['sh', '-c', `trap 'exit 0' TERM; touch /tmp/healthy; ${script}`],
  environment: {},
  mounts: [],
  ports: [],
  dependsOn: [],
  labels: {},
  networks: [],
  restart: 'no',
})

const until = async (check: () => boolean, ms: number) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.each(engineKinds)('over %s', (kind) => {
  const target = engineTarget(kind)
  let engine: DockerEngine
  let api: Docker
  const project = testProject()
  let spec: StackSpec

  const chatter = () => containerName(project, 'chatter')
  const flood = () => containerName(project, 'flood')

  beforeAll(async () => {
    await target.setup()
    engine = target.engine()
    api = engine.api
    await engine.ping()
    await ensureBusyboxImage(api)
    spec = {
      project,
      workingDir: '/tmp',
      externalNetwork: `${project}-proxy`,
      volumes: [],
      services: [
        // One stdout and one stderr line every 200 ms, numbered, plus a UTF-8 line.
        service(
          'chatter',
          'echo "out-start"; echo "err-start" >&2; echo "grüße ✓"; i=0; while :; do i=$((i+1)); echo "out-$i"; echo "err-$i" >&2; sleep 0.2 & wait $!; done',
        ),
        // Many lines at once, then idle.
        service('flood', `seq 1 ${FLOOD_LINES}; while :; do sleep 1 & wait $!; done`),
      ],
    }
    await up(engine, spec, { stopTimeoutSec: 1 })
  })

  afterAll(async () => {
    await removeProjectResources(api, project)
    await removeTestNetwork(api, `${project}-proxy`)
    await target.dispose()
  })

  describe('logs', () => {
    test('tail N without follow: stdout and stderr told apart, UTF-8 intact', async () => {
      // Start returns as soon as the service runs (#16: no poll delay any more): wait until the
      // numbered lines have passed the first ones, so "the last 4" are all numbered.
      let all = await tailLogs(engine, chatter(), { tail: 'all' })
      for (let i = 0; i < 100 && !all.some((l) => l.text === 'err-3'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        all = await tailLogs(engine, chatter(), { tail: 'all' })
      }
      // The engine copies stdout and stderr in separate goroutines: order holds within a stream,
      // not across the two.
      const text = (stream: string) => all.filter((l) => l.stream === stream).map((l) => l.text)
      expect(text('stdout').slice(0, 3)).toEqual(['out-start', 'grüße ✓', 'out-1'])
      expect(text('stderr').slice(0, 2)).toEqual(['err-start', 'err-1'])
      const last = await tailLogs(engine, chatter(), { tail: 4 })
      expect(last).toHaveLength(4)
      for (const line of last) {
        expect(line.text).toMatch(line.stream === 'stdout' ? /^out-\d+$/ : /^err-\d+$/)
      }
      const stamped = await tailLogs(engine, chatter(), { tail: 1, timestamps: true })
      expect(Date.parse(stamped[0]?.time ?? '')).toBeGreaterThan(Date.now() - 60_000)
      expect(stamped[0]?.text).toMatch(/^(out|err)-\d+$/)
    })

    test('follow delivers new lines of both streams in batches until closed', async () => {
      const batches: LogLine[][] = []
      let ended = false
      const follower = await followLogs(engine, chatter(), {
        tail: 0,
        onLines: (lines) => batches.push(lines),
        onEnd: () => (ended = true),
      })
      const lines = () => batches.flat()
      await until(() => lines().filter((l) => l.stream === 'stderr').length >= 3, 5000)
      const got = lines()
      expect(got.some((l) => l.stream === 'stdout' && /^out-\d+$/.test(l.text))).toBe(true)
      expect(got.every((l) => (l.stream === 'stdout' ? /^out-/ : /^err-/).test(l.text))).toBe(true)
      expect(batches.every((b) => b.length > 0)).toBe(true)

      await follower.close()
      expect(ended).toBe(true)
      const count = lines().length
      await new Promise((r) => setTimeout(r, 600))
      expect(lines().length).toBe(count)
    })

    test('a follow survives a quiet container (no idle timeout) and ends when the container stops', async () => {
      // An engine whose request timeout is 1 s: a plain dockerode follow would be cut after 1 s quiet.
      const impatient = target.engine({ timeoutMs: 1000 })
      const batches: LogLine[][] = []
      const follower = await followLogs(impatient, flood(), {
        tail: 1,
        onLines: (l) => batches.push(l),
      })
      // The flood container is silent after its burst.
      await new Promise((r) => setTimeout(r, 2000))
      expect(batches.flat()).toEqual([{ stream: 'stdout', text: String(FLOOD_LINES) }])
      await api.getContainer(flood()).stop({ t: 1 })
      await follower.done
      await follower.close()
    })

    test('a burst of lines arrives in few batches of at most maxBatch', async () => {
      const batches: LogLine[][] = []
      const follower = await followLogs(engine, flood(), {
        tail: 'all',
        maxBatch: 500,
        onLines: (l) => batches.push(l),
      })
      await follower.done
      const lines = batches.flat()
      expect(lines).toHaveLength(FLOOD_LINES)
      expect(lines[0]).toEqual({ stream: 'stdout', text: '1' })
      expect(lines.at(-1)).toEqual({ stream: 'stdout', text: String(FLOOD_LINES) })
      expect(batches.every((b) => b.length <= 500)).toBe(true)
      expect(batches.length).toBeLessThanOrEqual(FLOOD_LINES / 100)
    })
  })

  describe('exec', () => {
    test('exit code 0 with output', async () => {
      expect(await exec(engine, chatter(), ['echo', 'hello'])).toEqual({
        exitCode: 0,
        stdout: 'hello\n',
        stderr: '',
      })
    })

    test('a non-zero exit code with stdout and stderr apart', async () => {
      expect(
        await exec(engine, chatter(), [
          'sh',
          '-c',
          'echo partial; echo "smtp: connection refused" >&2; exit 3',
        ]),
      ).toEqual({ exitCode: 3, stdout: 'partial\n', stderr: 'smtp: connection refused\n' })
    })

    test('user, env and working dir apply', async () => {
      const r = await exec(engine, chatter(), ['sh', '-c', 'id -u; echo "$GREETING"; pwd'], {
        user: '1000',
        env: ['GREETING=hi'],
        workingDir: '/tmp',
      })
      expect(r).toEqual({ exitCode: 0, stdout: '1000\nhi\n/tmp\n', stderr: '' })
    })

    test('a command that outlives its timeout fails with DOCKER_TIMEOUT', async () => {
      const started = Date.now()
      const error = await caught(exec(engine, chatter(), ['sleep', '5'], { timeoutMs: 500 }))
      expect(error.code).toBe('DOCKER_TIMEOUT')
      expect(Date.now() - started).toBeLessThan(3000)
    })

    test('exec in a stopped or missing container fails with a clear DOCKER_FAILED', async () => {
      const stopped = await caught(exec(engine, flood(), ['true']))
      expect(stopped.code).toBe('DOCKER_FAILED')
      expect(stopped.message).toMatch(/not running/)
      const missing = await caught(exec(engine, `${project}_nothing_1`, ['true']))
      expect(missing.code).toBe('DOCKER_FAILED')
      expect(missing.message).toMatch(/does not exist/)
    })
  })

  // Only the SSH variant has a connection to count (declared there, never skipped).
  if (kind === 'ssh')
    test('every call of the suite went through one SSH connection', () => {
      expect(target.connection?.stats.handshakes).toBe(1)
    })
})
