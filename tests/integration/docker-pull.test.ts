import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type Docker from 'dockerode'
import type { DockerEngine } from '../../src/main/docker/engine'
import { engineKinds, engineTarget } from '../support/engine-targets'
import { pullImage, type PullProgress } from '../../src/main/docker/pull'
import { up } from '../../src/main/docker/lifecycle'
import { buildBulkImage, ensureBusyboxImage } from '../support/images'
import { freePort } from '../support/ports'
import { pushImage, startRegistry, type LocalRegistry } from '../support/registry'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'
import { caught } from '../support/caught'

/**
 * Pulls through the engine from Debian's docker-registry on 127.0.0.1: a 24 MB layer of random
 * bytes on top of the busybox test image, pushed under a random tag and removed locally before
 * the pull, so the engine really downloads and extracts it.
 */

// Set per transport by the describe.each below (local socket, then ssh://).
let engine: DockerEngine
let api: Docker
let registry: LocalRegistry
let ref: string
const LAYER_BYTES = 24 * 1024 * 1024

async function removeLocal(image: string) {
  await api
    .getImage(image)
    .remove({ force: true })
    .catch(() => undefined)
}

describe.each(engineKinds)('over %s', (kind) => {
  const target = engineTarget(kind)

  beforeAll(async () => {
    await target.setup()
    engine = target.engine()
    api = engine.api
    await engine.ping()
    await ensureBusyboxImage(api)
    registry = await startRegistry()
    ref = `${registry.host}/gatehouse-test/bulk:${randomBytes(4).toString('hex')}`
    await buildBulkImage(api, ref, LAYER_BYTES)
    pushImage(ref)
    // Only this tag refers to the bulk layer, so removing it deletes the layer: the pull must fetch it.
    await removeLocal(ref)
  })

  afterAll(async () => {
    if (ref) await removeLocal(ref)
    await registry?.stop()
    await target.dispose()
  })

  describe('pull from a local registry', () => {
    test('one folded progress figure per image: bytes grow to the layer size, then complete', async () => {
      const events: PullProgress[] = []
      const result = await pullImage(engine, ref, { onProgress: (p) => events.push(p) })
      expect(result.pulled).toBe(true)
      expect(result.imageId).toMatch(/^sha256:/)
      expect((await api.getImage(ref).inspect()).Id).toBe(result.imageId)

      expect(events.every((e) => e.image === ref)).toBe(true)
      expect(events[0]?.phase).toBe('resolving')
      const last = events.at(-1) as PullProgress
      expect(last).toMatchObject({ phase: 'complete', percent: 100 })
      // Two layers: the busybox one already present, the random one downloaded.
      expect(last.layersTotal).toBe(2)
      expect(last.layersDone).toBe(2)
      expect(last.bytesTotal).toBeGreaterThan(LAYER_BYTES)
      expect(last.bytesDone).toBe(last.bytesTotal)
      const bytes = events.map((e) => e.bytesDone)
      const percents = events.map((e) => e.percent)
      for (let i = 1; i < events.length; i += 1) {
        expect(bytes[i]).toBeGreaterThanOrEqual(bytes[i - 1] as number)
        expect(percents[i]).toBeGreaterThanOrEqual(percents[i - 1] as number)
      }
      // It went through downloading and extracting on its way, with intermediate figures.
      const phases = [...new Set(events.map((e) => e.phase))]
      expect(phases).toEqual(['resolving', 'downloading', 'extracting', 'complete'])
      expect(new Set(bytes).size).toBeGreaterThanOrEqual(2)
      // Throttled: far fewer figures than the engine's per-layer events, never two within ~100 ms
      // unless the phase changed.
      expect(events.length).toBeLessThan(40)
    })

    test('an image present locally is not pulled again unless forced', async () => {
      const events: PullProgress[] = []
      const skipped = await pullImage(engine, ref, { onProgress: (p) => events.push(p) })
      expect(skipped.pulled).toBe(false)
      expect(events).toEqual([expect.objectContaining({ phase: 'present', percent: 100 })])

      const forced: PullProgress[] = []
      const again = await pullImage(engine, ref, { force: true, onProgress: (p) => forced.push(p) })
      expect(again).toMatchObject({ pulled: true, imageId: skipped.imageId })
      // Up to date: the engine only checks the manifest and sends no layer events.
      expect(forced.at(-1)).toMatchObject({ phase: 'complete', percent: 100 })
    })

    test('up pulls a missing image and reports it as a step', async () => {
      await removeLocal(ref)
      const project = testProject()
      try {
        const steps: string[] = []
        const phases: string[] = []
        await up(
          engine,
          {
            project,
            workingDir: '/tmp',
            externalNetwork: `${project}-proxy`,
            volumes: [],
            services: [
              {
                name: 'bulk',
                image: ref,
                environment: {},
                mounts: [],
                ports: [],
                dependsOn: [],
                labels: {},
                networks: [],
                restart: 'no',
              },
            ],
          },
          {
            stopTimeoutSec: 1,
            onProgress: (e) => {
              steps.push(e.step)
              if (e.step === 'images') phases.push(e.progress.phase)
            },
          },
        )
        expect(phases.at(-1)).toBe('complete')
        expect(phases).toContain('downloading')
        expect(steps.indexOf('containers')).toBeGreaterThan(steps.lastIndexOf('images'))
      } finally {
        await removeProjectResources(api, project)
        await removeTestNetwork(api, `${project}-proxy`)
      }
    })

    test('a failed pull during up leaves no container behind', async () => {
      const project = testProject()
      const missing = `${registry.host}/gatehouse-test/missing:2`
      const base = {
        environment: {},
        mounts: [],
        ports: [],
        dependsOn: [],
        labels: {},
        networks: [],
        restart: 'no' as const,
      }
      const spec = {
        project,
        workingDir: '/tmp',
        externalNetwork: `${project}-proxy`,
        volumes: [],
        services: [
          { ...base, name: 'present', image: 'gatehouse-test/busybox:1' },
          { ...base, name: 'absent', image: missing },
        ],
      }
      try {
        const error = await caught(up(engine, spec))
        expect(error.code).toBe('DOCKER_PULL_FAILED')
        expect(error.details).toMatchObject({ image: missing, cause: 'not-found' })
        const left = await api.listContainers({
          all: true,
          filters: { label: [`com.docker.compose.project=${project}`] },
        })
        expect(left).toEqual([])
      } finally {
        await removeProjectResources(api, project)
        await removeTestNetwork(api, `${project}-proxy`)
      }
    })

    test('a missing image fails with DOCKER_PULL_FAILED naming the image, cause not-found', async () => {
      const missing = `${registry.host}/gatehouse-test/missing:1`
      const error = await caught(pullImage(engine, missing))
      expect(error.code).toBe('DOCKER_PULL_FAILED')
      expect(error.message).toContain(missing)
      expect(error.details).toMatchObject({ image: missing, cause: 'not-found' })
      expect(error.hint).toMatch(/tag/)
    })

    test('an unreachable registry fails with DOCKER_PULL_FAILED, cause registry-unreachable', async () => {
      const nowhere = `127.0.0.1:${await freePort()}/gatehouse-test/bulk:1`
      const error = await caught(pullImage(engine, nowhere))
      expect(error.code).toBe('DOCKER_PULL_FAILED')
      expect(error.message).toContain(nowhere)
      expect(error.details).toMatchObject({ image: nowhere, cause: 'registry-unreachable' })
      expect(error.hint).toMatch(/internet|DNS|proxy/)
    })
  })
})
