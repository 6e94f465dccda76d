import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type Docker from 'dockerode'
import { createDockerEngine, type DockerEngine } from '../../src/main/docker/engine'
import { up } from '../../src/main/docker/lifecycle'
import type { ServiceSpec, StackSpec } from '../../src/main/docker/model'
import { BUSYBOX_IMAGE, buildBulkImage, ensureBusyboxImage } from '../support/images'
import { pushImage, startRegistry, type LocalRegistry } from '../support/registry'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'
import { caught } from '../support/caught'
import { engineTarget } from '../support/engine-targets'

/**
 * The SSH connection dies in the middle of a pull (#15): sshd and its sessions are killed while
 * the engine downloads a 48 MB layer from a local registry. Start fails with an error that names
 * the cause; once sshd is back, the same Start converges on the same engine without duplicates.
 */

const target = engineTarget('ssh')
const local = createDockerEngine()
const localApi: Docker = local.api
let engine: DockerEngine
let registry: LocalRegistry
let ref: string
const project = testProject()
const LAYER_BYTES = 48 * 1024 * 1024

const service = (name: string, image: string, dependsOn: string[] = []): ServiceSpec => ({
  name,
  image,
  command: [
    'sh',
    '-c',
    "trap 'exit 0' TERM; touch /tmp/healthy; while :; do sleep 1 & wait $!; done",
  ],
  environment: {},
  mounts: [],
  ports: [],
  dependsOn,
  labels: {},
  networks: [],
  restart: 'no',
})

let spec: StackSpec

beforeAll(async () => {
  await target.setup()
  engine = target.engine()
  await ensureBusyboxImage(localApi)
  registry = await startRegistry()
  ref = `${registry.host}/gatehouse-test/bulk:${randomBytes(4).toString('hex')}`
  await buildBulkImage(localApi, ref, LAYER_BYTES)
  pushImage(ref)
  await localApi.getImage(ref).remove({ force: true })
  spec = {
    project,
    workingDir: '/tmp',
    externalNetwork: `${project}-proxy`,
    volumes: [],
    services: [service('first', BUSYBOX_IMAGE), service('bulk', ref, ['first'])],
  }
}, 300_000)

afterAll(async () => {
  await removeProjectResources(localApi, project)
  await removeTestNetwork(localApi, `${project}-proxy`)
  if (ref)
    await localApi
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined)
  await registry?.stop()
  await target.dispose()
})

describe('sshd killed mid-pull', () => {
  test('Start fails with a clear error; after sshd is back the same Start converges, no duplicates', async () => {
    const sshd = target.sshd
    if (!sshd) throw new Error('no sshd')
    let killing: Promise<void> | undefined
    const error = await caught(
      up(engine, spec, {
        stopTimeoutSec: 1,
        onProgress: (e) => {
          if (
            !killing &&
            e.step === 'images' &&
            e.progress.phase === 'downloading' &&
            e.progress.bytesDone > 0
          )
            killing = sshd.kill()
        },
      }),
    )
    expect(killing).toBeDefined()
    await killing
    console.info('[sshd killed mid-pull]', JSON.stringify(error.toData()))
    expect(error.code).toBe('SSH_UNREACHABLE')
    expect(error.message).toMatch(/SSH connection to ssh:\/\/\S+ dropped .*pull the image/)
    expect(error.hint).toMatch(/start the stack again/)

    await sshd.start()
    await up(engine, spec, { stopTimeoutSec: 1 })
    const list = await localApi.listContainers({
      all: true,
      filters: { label: [`com.docker.compose.project=${project}`] },
    })
    expect(list.map((c) => c.Labels['com.docker.compose.service']).sort()).toEqual([
      'bulk',
      'first',
    ])
    expect(list.every((c) => c.State === 'running')).toBe(true)
    // One connection before the kill, one after it.
    expect(target.connection?.stats.handshakes).toBe(2)
  })
})
