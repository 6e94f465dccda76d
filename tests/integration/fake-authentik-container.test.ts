import { randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureFakeAuthentikImage, FAKE_AUTHENTIK_IMAGE } from '../support/fake-authentik-image'
import { freePort } from '../support/ports'

/**
 * The fake Authentik as a container (tests/support/fake-authentik-image.ts) on the real engine:
 * the `server` command serves the schema-validated fake on 9000 with the catalogue's
 * AUTHENTIK_BOOTSTRAP_* values, the image HEALTHCHECK turns healthy, and `ak test_email` answers.
 * No engine → beforeAll fails (this file never skips).
 */

const api = new Docker()
const suffix = randomBytes(4).toString('hex')
const serverName = `gatehouse-test-fake-authentik-${suffix}`
const workerName = `gatehouse-test-fake-authentik-worker-${suffix}`
const token = `tok-${randomBytes(16).toString('hex')}`
const password = `pw-${randomBytes(8).toString('hex')}`
const email = 'admin@example.test'
let baseUrl = ''
let server: Docker.Container
let worker: Docker.Container
const timings: Record<string, number> = {}

async function waitHealthy(container: Docker.Container, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    const { State } = await container.inspect()
    if (State.Health?.Status === 'healthy') return
    if (!State.Running)
      throw new Error(`container exited (${State.ExitCode}): ${await logsOf(container)}`)
    if (Date.now() > deadline)
      throw new Error(
        `not healthy in ${ms} ms (${State.Health?.Status}): ${await logsOf(container)}`,
      )
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function logsOf(container: Docker.Container): Promise<string> {
  const buffer = await container.logs({ stdout: true, stderr: true, follow: false })
  return buffer.toString('utf8')
}

async function execIn(
  container: Docker.Container,
  cmd: string[],
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const out = new PassThrough()
  const err = new PassThrough()
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  out.on('data', (chunk: Buffer) => stdout.push(chunk))
  err.on('data', (chunk: Buffer) => stderr.push(chunk))
  api.modem.demuxStream(stream, out, err)
  await new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve())
    stream.on('error', reject)
  })
  const { ExitCode } = await exec.inspect()
  return {
    exitCode: ExitCode,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  }
}

async function removeQuietly(name: string): Promise<void> {
  try {
    await api.getContainer(name).remove({ force: true })
  } catch {
    // never created, or already gone
  }
}

beforeAll(async () => {
  await api.ping()
  let started = Date.now()
  await ensureFakeAuthentikImage(api)
  timings.buildMs = Date.now() - started
  const port = await freePort()
  baseUrl = `http://127.0.0.1:${port}`
  started = Date.now()
  server = await api.createContainer({
    name: serverName,
    Image: FAKE_AUTHENTIK_IMAGE,
    Cmd: ['server'],
    Env: [
      `AUTHENTIK_BOOTSTRAP_TOKEN=${token}`,
      `AUTHENTIK_BOOTSTRAP_PASSWORD=${password}`,
      `AUTHENTIK_BOOTSTRAP_EMAIL=${email}`,
      'AUTHENTIK_SECRET_KEY=not-a-secret',
      'FAKE_AUTHENTIK_SLOW_START_MS=1500',
    ],
    ExposedPorts: { '9000/tcp': {} },
    HostConfig: { PortBindings: { '9000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
  })
  await server.start()
  worker = await api.createContainer({
    name: workerName,
    Image: FAKE_AUTHENTIK_IMAGE,
    Cmd: ['worker'],
  })
  await worker.start()
  await Promise.all([waitHealthy(server, 30_000), waitHealthy(worker, 30_000)])
  timings.healthyMs = Date.now() - started
})

afterAll(async () => {
  await Promise.all([removeQuietly(serverName), removeQuietly(workerName)])
  console.log(`fake-authentik container timings: ${JSON.stringify(timings)}`)
})

describe('fake Authentik container', () => {
  test('the image is small enough and labelled with its recipe', async () => {
    const info = await api.getImage(FAKE_AUTHENTIK_IMAGE).inspect()
    console.log(`${FAKE_AUTHENTIK_IMAGE}: ${(info.Size / 1e6).toFixed(1)} MB`)
    expect(info.Size).toBeLessThan(250e6)
    expect(info.Config.Labels?.['io.gatehouse.test.recipe']).toMatch(/^[0-9a-f]{64}$/)
  })

  test('live at once, ready after the slow start, then the bootstrap token is akadmin', async () => {
    const live = await fetch(`${baseUrl}/-/health/live/`)
    expect(live.status).toBe(200)
    const started = Date.now()
    let ready = await fetch(`${baseUrl}/-/health/ready/`)
    while (ready.status !== 200 && Date.now() - started < 20_000) {
      expect(ready.status).toBe(503)
      await new Promise((r) => setTimeout(r, 100))
      ready = await fetch(`${baseUrl}/-/health/ready/`)
    }
    expect(ready.status).toBe(200)
    timings.readyAfterHealthyMs = Date.now() - started

    const me = await fetch(`${baseUrl}/api/v3/core/users/me/`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(me.status).toBe(200)
    const body = (await me.json()) as { user: { username: string; email: string } }
    expect(body.user.username).toBe('akadmin')
    expect(body.user.email).toBe(email)

    const wrong = await fetch(`${baseUrl}/api/v3/core/users/me/`, {
      headers: { authorization: 'Bearer nope' },
    })
    expect(wrong.status).toBe(403)

    const version = await fetch(`${baseUrl}/api/v3/admin/version/`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(version.status).toBe(200)
    expect(((await version.json()) as { version_current: string }).version_current).toBe('2026.8.3')
  })

  test('ak test_email succeeds, and fails for a refused address', async () => {
    const sent = await execIn(server, ['ak', 'test_email', 'x@example.test'])
    expect(sent).toMatchObject({ exitCode: 0, stdout: 'Sent test email to x@example.test\n' })
    const refused = await execIn(worker, ['ak', 'test_email', 'fail@example.test'])
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toContain('SMTPRecipientsRefused')
  })

  test('SIGTERM stops both quickly, the server without schema violations', async () => {
    const started = Date.now()
    await Promise.all([server.stop({ t: 5 }), worker.stop({ t: 5 })])
    expect(Date.now() - started).toBeLessThan(4_000)
    const [s, w] = await Promise.all([server.inspect(), worker.inspect()])
    expect(s.State.ExitCode, await logsOf(server)).toBe(0)
    expect(w.State.ExitCode).toBe(0)
    expect(await logsOf(server)).toContain(
      'fake authentik 2026.8.3 listening on http://0.0.0.0:9000',
    )
  })
})
