import type { ContainerInspectInfo } from 'dockerode'
import { describe, expect, test } from 'vitest'
import { configHash } from '../../src/main/docker/config-hash'
import { containerPlan, type ContainerPlan } from '../../src/main/docker/containers'
import { envDifferences, observeDrift } from '../../src/main/docker/drift'
import type { ServiceSpec, StackSpec } from '../../src/main/docker/model'

/**
 * The pure comparison behind status and Start: a container inspected from the engine against the
 * create plan. Each case starts from the container the plan would make (as the engine reports
 * it) and changes one thing.
 */

const SECRET = 'SecretValue0123456789abcdefghijklmnop'
const server: ServiceSpec = {
  name: 'server',
  image: 'ghcr.io/goauthentik/server:2026.8.3',
  command: ['server'],
  environment: { AUTHENTIK_SECRET_KEY: SECRET, AUTHENTIK_EMAIL__HOST: 'smtp.example.com' },
  secretEnv: ['AUTHENTIK_SECRET_KEY'],
  mounts: [
    { type: 'volume', source: 'media', target: '/media' },
    { type: 'bind', source: '/srv/authentik/certs', target: '/certs' },
  ],
  ports: [{ container: 9000, host: 9000 }],
  dependsOn: [],
  labels: { 'traefik.enable': 'true' },
  networks: [
    { name: 'default', aliases: [] },
    { name: 'traefik', aliases: ['authentik-server'] },
  ],
  restart: 'unless-stopped',
}
const spec: StackSpec = {
  project: 'authentik',
  workingDir: '/srv/authentik/compose',
  externalNetwork: 'traefik',
  volumes: ['media'],
  services: [server],
}
const IMAGE_ENV = ['PATH=/usr/local/bin:/usr/bin', 'LANG=C.UTF-8']

/** What the engine reports for the container the plan creates. */
function asCreated(plan: ContainerPlan): ContainerInspectInfo {
  const c = plan.create
  return {
    Id: 'a1b2c3d4e5f6a1b2c3d4e5f6',
    Image: 'sha256:image',
    Name: `/${plan.name}`,
    State: { Running: true, Status: 'running' },
    Config: {
      Image: c.Image,
      Cmd: c.Cmd,
      User: '',
      Env: [...IMAGE_ENV, ...(c.Env ?? [])],
      Labels: { ...c.Labels },
    },
    HostConfig: {
      Binds: c.HostConfig?.Binds,
      PortBindings: { '9000/tcp': [{ HostIp: '0.0.0.0', HostPort: '9000' }] },
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
    },
    Mounts: [
      { Type: 'volume', Name: 'authentik_media', Source: '/x', Destination: '/media', RW: true },
      { Type: 'bind', Source: '/srv/authentik/certs', Destination: '/certs', RW: true },
      // An image VOLUME without a name: never part of a plan.
      { Type: 'volume', Name: 'f'.repeat(64), Source: '/y', Destination: '/tmp/cache', RW: true },
    ],
    NetworkSettings: {
      Networks: {
        authentik_default: { Aliases: ['server', 'a1b2c3d4e5f6'] },
        traefik: { Aliases: ['authentik-server', 'a1b2c3d4e5f6'] },
      },
    },
  } as unknown as ContainerInspectInfo
}

const plan = containerPlan(spec, server, configHash(server))
const observe = (edit: (info: ContainerInspectInfo) => void = () => undefined) => {
  const info = asCreated(plan)
  edit(info)
  return observeDrift('server', plan, info, { imageEnv: IMAGE_ENV, imageId: 'sha256:image' })
}

describe('observeDrift', () => {
  test('the container the plan creates has no drift (0.0.0.0 = all interfaces, image env ignored)', () => {
    expect(observe()).toEqual([])
  })

  test('a lost network or alias is a reconnect, said in words', () => {
    const lost = observe((i) => delete i.NetworkSettings.Networks.traefik)
    expect(lost).toMatchObject([
      {
        repair: 'connect',
        message: 'server is not on the traefik network',
        attachment: { network: 'traefik', aliases: ['authentik-server'] },
      },
    ])
    const alias = observe((i) => (i.NetworkSettings.Networks.traefik!.Aliases = ['a1b2c3d4e5f6']))
    expect(alias).toMatchObject([
      {
        repair: 'connect',
        message: 'server is on the traefik network without its alias authentik-server',
      },
    ])
  })

  test('a changed, missing or extra variable is a recreate naming the variable, never its value', () => {
    const changed = observe((i) => {
      i.Config.Env = i.Config.Env.map((e) =>
        e.startsWith('AUTHENTIK_SECRET_KEY=') ? 'AUTHENTIK_SECRET_KEY=other' : e,
      )
      i.Config.Env.push('DEBUG=1')
    })
    expect(changed).toEqual([
      {
        repair: 'recreate',
        message: "server's environment differs: AUTHENTIK_SECRET_KEY, DEBUG",
      },
    ])
    expect(JSON.stringify(changed)).not.toContain(SECRET)
  })

  test('mounts, image, labels and other create settings are recreates', () => {
    expect(
      observe((i) => (i.Mounts[1] = { ...i.Mounts[1]!, Source: '/elsewhere' })).map(
        (d) => d.message,
      ),
    ).toEqual(["server's mounts differ: /certs"])
    expect(
      observe((i) => (i.Config.Image = 'ghcr.io/goauthentik/server:2025.6.3'))[0]?.message,
    ).toBe(
      'server runs the image ghcr.io/goauthentik/server:2025.6.3 instead of ghcr.io/goauthentik/server:2026.8.3',
    )
    expect(observe((i) => (i.Image = 'sha256:older'))[0]?.message).toBe(
      'server runs an older build of ghcr.io/goauthentik/server:2026.8.3',
    )
    expect(observe((i) => delete i.Config.Labels['traefik.enable']).map((d) => d.message)).toEqual([
      "server's labels differ: traefik.enable",
    ])
    expect(
      observe((i) => {
        i.Config.Cmd = ['worker']
        i.HostConfig.PortBindings = {}
      }).map((d) => d.message),
    ).toEqual(["server's settings differ: command, published ports"])
  })

  test("compose's own bookkeeping labels (its config hash, files, version) are not drift", () => {
    expect(
      observe((i) => {
        i.Config.Labels['com.docker.compose.config-hash'] = 'compose-computed'
        i.Config.Labels['com.docker.compose.project.config_files'] = '/elsewhere/docker-compose.yml'
        i.Config.Labels['com.docker.compose.version'] = '1.29.2'
      }),
    ).toEqual([])
  })
})

describe('envDifferences', () => {
  test('without the image environment, extra variables are not judged', () => {
    expect(envDifferences(['A=1'], ['A=1', 'PATH=/bin'], undefined)).toEqual([])
    expect(envDifferences(['A=1'], ['A=1', 'PATH=/bin'], [])).toEqual(['PATH'])
    expect(envDifferences(['A=1', 'B=2'], ['A=1'], [])).toEqual(['B'])
  })
})
