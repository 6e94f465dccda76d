import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import Docker from 'dockerode'
import { afterAll, describe, expect, it } from 'vitest'
import { ensurePostgresImage } from '../support/postgres-image'

const api = new Docker()
const name = `gh-test-pg-${randomBytes(4).toString('hex')}`

async function waitHealthy(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const { State } = await api.getContainer(name).inspect()
    if (State.Health?.Status === 'healthy') return
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`${name} never turned healthy`)
}

/** Password login over TCP (not the trusted local socket), so a wrong password must fail. */
function query(password: string, sql: string): string {
  return execFileSync(
    'docker',
    [
      'exec',
      '-e',
      `PGPASSWORD=${password}`,
      name,
      'psql',
      '-h',
      '127.0.0.1',
      '-U',
      'gh',
      '-d',
      'ghdb',
      '-tAc',
      sql,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim()
}

afterAll(async () => {
  await api
    .getContainer(name)
    .remove({ force: true, v: true })
    .catch(() => undefined)
})

describe('the test PostgreSQL image', () => {
  it('initialises, accepts a password login, refuses a wrong one and keeps rows across a restart', async () => {
    const image = await ensurePostgresImage(api)
    const c = await api.createContainer({
      name,
      Image: image,
      Env: ['POSTGRES_USER=gh', 'POSTGRES_PASSWORD=s3cret-pw', 'POSTGRES_DB=ghdb'],
    })
    await c.start()
    await waitHealthy()
    query('s3cret-pw', "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')")
    expect(() => query('wrong', 'SELECT 1')).toThrow(/password authentication failed/)
    await c.restart()
    await waitHealthy()
    expect(query('s3cret-pw', 'SELECT v FROM t')).toBe('kept')
    expect(query('s3cret-pw', 'SHOW server_version')).toMatch(/^15\./)
  }, 180_000)
})
