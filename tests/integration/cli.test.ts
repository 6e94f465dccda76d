import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { methodNames } from '../../src/shared/contract'
import { engineVersionFromDockerCli } from '../support/docker-cli'
import { runGatehouse } from '../support/gatehouse-cli'

const dataDir = mkdtempSync(join(tmpdir(), 'gh-cli-'))

/** The real `gatehouse` bin, as a user runs it (built by `npm run build`). */
function gatehouse(args: string[], env: Record<string, string> = {}, input?: string) {
  return runGatehouse(
    args,
    { GATEHOUSE_DATA_DIR: dataDir, ...env },
    input === undefined ? {} : { input },
  )
}

describe('gatehouse CLI', () => {
  test('docker ping prints the real engine version as JSON', () => {
    const { code, stdout } = gatehouse(['docker', 'ping'])
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({
      version: engineVersionFromDockerCli(),
      endpoint: '/var/run/docker.sock',
    })
  })

  test('the module trace sees CommonJS requires too (so an absent package is really absent)', () => {
    const trace = join(dataDir, 'modules-cjs.txt')
    const root = join(import.meta.dirname, '..', '..')
    const run = spawnSync(
      process.execPath,
      ['--import', join(root, 'tests/support/module-trace.mjs'), '-e', "require('dockerode')"],
      { encoding: 'utf8', cwd: root, env: { ...process.env, GATEHOUSE_MODULE_TRACE: trace } },
    )
    expect(run.status, run.stderr).toBe(0)
    expect(readFileSync(trace, 'utf8')).toMatch(/node_modules\/dockerode\//)
  })

  test('docker ping loads only what it needs: no Authentik client, keychain, YAML or axios', () => {
    const trace = join(dataDir, 'modules.txt')
    const root = join(import.meta.dirname, '..', '..')
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        join(root, 'tests/support/module-trace.mjs'),
        join(root, 'bin/gatehouse.mjs'),
        'docker',
        'ping',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_MODULE_TRACE: trace },
      },
    )
    expect(run.status, run.stderr).toBe(0)
    const loaded = readFileSync(trace, 'utf8')
    // The trace works (the engine chunk was loaded; the CommonJS side is proven below), and
    // the ping went over Node's own HTTP client: dockerode (with ssh2, grpc, protobufjs) is
    // loaded on the first real Engine API call only.
    // (#15: the engine now comes in the Docker-host chunk that picks local / SSH / TLS.)
    expect(loaded).toMatch(/out\/main\/chunks\/(engine|host-engine)-/)
    for (const absent of [
      /node_modules\/dockerode\//,
      /node_modules\/ssh2\//,
      /@goauthentik/,
      /authentik-api-2026/,
      /@napi-rs\/keyring/,
      /node_modules\/yaml\//,
      /node_modules\/axios\//,
      /chunks\/(recipes-service|integrations-service|traefik-service|stack-service)-/,
    ])
      expect(loaded).not.toMatch(absent)
  })

  test('app info reports the data folder and no Electron', () => {
    const { code, stdout } = gatehouse(['app', 'info'])
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({
      name: 'gatehouse',
      host: 'cli',
      dataDir,
      electronVersion: null,
    })
  })

  test('an unreachable engine exits non-zero with the cause and the fix on stderr', () => {
    const { code, stdout, stderr } = gatehouse(['docker', 'ping'], {
      DOCKER_HOST: 'unix:///tmp/gh-no-such.sock',
    })
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toContain('DOCKER_UNREACHABLE')
    expect(stderr).toContain('/tmp/gh-no-such.sock')
    expect(stderr).toMatch(/hint: .*start/i)
  })

  test('--help lists every method of the contract', () => {
    const { code, stdout } = gatehouse(['--help'])
    expect(code).toBe(0)
    for (const name of methodNames) expect(stdout).toContain(name.replace('.', ' '))
  })

  test('bad command lines exit 2 and say what is wrong', () => {
    expect(gatehouse(['docker', 'remove-everything'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('UNKNOWN_METHOD'),
    })
    expect(gatehouse(['app', 'info', '--json', '{nope'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('not valid JSON'),
    })
    expect(gatehouse(['app', 'info', '--json', '{"x":1}'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('VALIDATION_FAILED'),
    })
    expect(gatehouse(['app', 'info', '--json', '-'], {}, '{}')).toMatchObject({ code: 0 })
  })
})
