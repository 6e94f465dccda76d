import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { ensureFakeAuthentikImage } from '../support/fake-authentik-image'
import { ensureFakeStackImage } from '../support/fake-stack-image'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'

/**
 * Starts the real browser host (`node out/main/serve.js`, what `npm run serve` runs after its
 * build) and hands its printed URL, token included, to the tests. The stack tests get a project
 * and a proxy network of their own, removed again at the end.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const api = new Docker()
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-e2e-'))
  const project = testProject()
  const network = `${project}-proxy`
  process.env.GATEHOUSE_E2E_IMAGE = await ensureFakeStackImage(api)
  process.env.GATEHOUSE_E2E_AUTHENTIK_IMAGE = await ensureFakeAuthentikImage(api)
  const child = spawn(process.execPath, ['out/main/serve.js'], {
    env: { ...process.env, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_TRAEFIK_NETWORK: network },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL:\n${output}`)), 20_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)))
  })
  process.env.GATEHOUSE_URL = url
  process.env.GATEHOUSE_E2E_DATA_DIR = dataDir
  process.env.GATEHOUSE_E2E_PROJECT = project
  return async () => {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    await removeProjectResources(api, project)
    await removeTestNetwork(api, network)
    rmSync(dataDir, { recursive: true, force: true })
  }
}
