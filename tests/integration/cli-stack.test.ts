import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureFakeStackImage } from '../support/fake-stack-image'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'
import { runGatehouse } from '../support/gatehouse-cli'
import { sampleSettings } from '../support/sample-settings'

/** `gatehouse stack …` and `gatehouse secrets status` as a script or cron job would run them. */
const dataDir = mkdtempSync(join(tmpdir(), 'gh-cli-stack-'))
const project = testProject()
const network = `${project}-proxy`
const api = new Docker()

function gatehouse(...args: string[]) {
  const r = runGatehouse(args, { GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_TRAEFIK_NETWORK: network })
  return r
}

let image = ''
beforeAll(async () => {
  image = await ensureFakeStackImage(api)
})
afterAll(async () => {
  await removeProjectResources(api, project)
  await removeTestNetwork(api, network)
  rmSync(dataDir, { recursive: true, force: true })
})

describe('gatehouse stack / secrets', () => {
  test('first run: status says unconfigured, bad settings name their fields', () => {
    expect(JSON.parse(gatehouse('stack', 'status').stdout)).toEqual({ configured: false })
    const bad = gatehouse(
      'settings',
      'save',
      '--json',
      JSON.stringify({ baseDomain: 'x', adminEmail: 'nope' }),
    )
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/VALIDATION_FAILED.*baseDomain/)
    expect(bad.stderr).toContain('adminEmail')
  })

  test('up prints progress on stderr and the healthy stack on stdout; down and removeVolumes clean up', async () => {
    const settings = sampleSettings(join(dataDir, 'stack'), {
      smtp: { host: 'smtp.example.test', port: 25, from: 'a@example.test', tls: 'none' },
      project,
      imageOverrides: { postgresql: image, authentik: image },
    })
    expect(gatehouse('settings', 'save', '--json', JSON.stringify(settings)).code).toBe(0)
    const up = gatehouse('stack', 'up')
    expect(up.code).toBe(0)
    expect(up.stderr).toContain(`network ${network}: created`)
    expect(up.stderr).toMatch(/server: (healthy|ready)/)
    expect(up.stderr).toContain('up: done')
    // A local image was not pulled: said in words, not as an empty "0.0/0.0 MB" download.
    expect(up.stderr).toContain(`image ${image}: already present`)
    expect(up.stderr).not.toContain('0.0/0.0 MB')
    const status = JSON.parse(up.stdout) as { services: { health: string }[] }
    expect(status.services.map((s) => s.health)).toEqual(['healthy', 'healthy', 'healthy'])

    const secrets = JSON.parse(gatehouse('secrets', 'status').stdout) as {
      available: boolean
      secrets: Record<string, boolean>
    }
    expect(secrets).toMatchObject({ available: true, secrets: { authentikSecretKey: true } })

    const logs = JSON.parse(
      gatehouse('stack', 'logs', '--json', '{"service":"worker","tail":10}').stdout,
    ) as {
      lines: { text: string }[]
    }
    expect(logs.lines.some((l) => l.text.includes('fake worker starting'))).toBe(true)

    const exported = JSON.parse(gatehouse('stack', 'export').stdout) as { composeFile: string }
    expect(exported.composeFile).toBe(join(dataDir, 'stack', 'compose', 'docker-compose.yml'))
    // The containers' compose labels name the file the export really wrote.
    const { Config } = await new Docker().getContainer(`${project}_server_1`).inspect()
    expect(Config.Labels['com.docker.compose.project.config_files']).toBe(exported.composeFile)
    expect(existsSync(exported.composeFile)).toBe(true)

    expect(gatehouse('stack', 'down').code).toBe(0)
    const refused = gatehouse('stack', 'removeVolumes', '--json', '{"confirm":"nope"}')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('CONFIRMATION_MISMATCH')
    const removed = gatehouse(
      'stack',
      'removeVolumes',
      '--json',
      JSON.stringify({ confirm: project }),
    )
    expect(JSON.parse(removed.stdout)).toMatchObject({ removedVolumes: [`${project}_database`] })
  })
})
