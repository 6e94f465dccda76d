import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureFakeAuthentikImage } from '../support/fake-authentik-image'
import { ensureFakeStackImage } from '../support/fake-stack-image'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'
import { runGatehouse } from '../support/gatehouse-cli'
import { sampleSettings } from '../support/sample-settings'

/**
 * The whole first day on the real engine, through the `gatehouse` CLI: Start a stack whose
 * Authentik server is the schema-checked fake (as a container, bootstrap values from the
 * keychain), wait until its API is ready on the published 127.0.0.1:9000, run R1.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'gh-cli-ak-'))
const project = testProject()
const network = `${project}-proxy`
const api = new Docker()

function gatehouse(...args: string[]) {
  const r = runGatehouse(args, { GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_TRAEFIK_NETWORK: network })
  if (r.code !== 0) console.error(r.stderr)
  return r
}

let images = { postgresql: '', authentik: '' }
beforeAll(async () => {
  images = {
    postgresql: await ensureFakeStackImage(api),
    authentik: await ensureFakeAuthentikImage(api),
  }
})
afterAll(async () => {
  await removeProjectResources(api, project)
  await removeTestNetwork(api, network)
  rmSync(dataDir, { recursive: true, force: true })
})

describe('Start → ready → R1 on the real engine, through the CLI', () => {
  test('the handover completes against the Authentik container and Gatehouse ends on its own token', () => {
    const settings = sampleSettings(join(dataDir, 'stack'), {
      project,
      publishSetupPort: true,
      imageOverrides: images,
    })
    expect(gatehouse('settings', 'save', '--json', JSON.stringify(settings)).code).toBe(0)
    expect(gatehouse('stack', 'up').code).toBe(0)

    const ready = gatehouse('authentik', 'waitReady', '--json', '{"timeoutMs":60000}')
    expect(ready.code).toBe(0)
    expect(JSON.parse(ready.stdout)).toEqual({
      baseUrl: 'http://127.0.0.1:9000',
      version: '2026.8.3',
    })
    expect(ready.stderr).toContain('token')

    const who = { username: 'alice', name: 'Alice Admin', email: 'alice@example.test' }
    const plan = JSON.parse(
      gatehouse('recipes', 'adminHandoverPlan', '--json', JSON.stringify(who)).stdout,
    ) as {
      steps: { id: string }[]
    }
    expect(plan.steps.at(-1)?.id).toBe('deactivate-akadmin')
    const applied = JSON.parse(
      gatehouse('recipes', 'adminHandoverApply', '--json', JSON.stringify(who)).stdout,
    ) as { completed: boolean; generatedPassword?: string }
    expect(applied.completed).toBe(true)
    expect(applied.generatedPassword).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(
      JSON.parse(gatehouse('recipes', 'adminHandoverPlan', '--json', JSON.stringify(who)).stdout),
    ).toMatchObject({
      steps: [],
    })
    expect(JSON.parse(gatehouse('authentik', 'status').stdout)).toMatchObject({
      reachable: true,
      version: '2026.8.3',
      tokenSource: 'gatehouse',
    })
    expect(gatehouse('stack', 'down').code).toBe(0)
  })
})
