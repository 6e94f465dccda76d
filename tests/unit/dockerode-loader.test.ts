import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { expect, test } from 'vitest'

/**
 * Gatehouse loads dockerode without its BuildKit (gRPC, protobufjs) and docker-modem ssh2 parts,
 * the bulk of its load time (#16); what it does use still works, and the parts left out fail
 * loudly if anything ever reaches them.
 */
test('dockerode loads without gRPC and ssh2, and still builds engine requests', () => {
  const root = join(__dirname, '..', '..')
  const script = `
    import { createRequire } from 'node:module'
    import { loadDockerode } from './src/main/docker/dockerode-loader.ts'
    const Docker = loadDockerode()
    const docker = new Docker({ socketPath: '/nonexistent.sock' })
    const req = createRequire(import.meta.url)
    const loaded = Object.keys(req.cache)
    let buildkit = ''
    try { req('dockerode/lib/session.js')() } catch (e) { buildkit = e.message }
    console.log(JSON.stringify({
      grpc: loaded.filter((f) => /@grpc|protobufjs/.test(f)).length,
      ssh2: loaded.filter((f) => /node_modules\\/ssh2\\//.test(f)).length,
      modem: typeof docker.modem.dial,
      buildkit,
    }))`
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
  expect(run.stderr).toBe('')
  const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>
  expect(result).toMatchObject({ grpc: 0, ssh2: 0, modem: 'function' })
  expect(result.buildkit).toContain("not part of Gatehouse's build")
})
