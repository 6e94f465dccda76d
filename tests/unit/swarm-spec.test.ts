import { describe, expect, test } from 'vitest'
import { buildStack, SERVER_ALIAS, type StackSecrets } from '../../src/main/stack/catalogue'
import { buildSwarmStack, STACK_NAMESPACE_LABEL } from '../../src/main/swarm/swarm-spec'
import {
  SettingsSchema,
  supportedAuthentikVersions,
  type SettingsInput,
} from '../../src/shared/settings'

const input: SettingsInput = {
  baseDomain: 'example.com',
  adminEmail: 'admin@example.com',
  smtp: {
    host: 'smtp.example.com',
    port: 587,
    username: 'mailer',
    from: 'auth@example.com',
    tls: 'starttls',
  },
  dataFolder: '/volume1/docker/authentik',
  timezone: 'Europe/Berlin',
}

// Distinctive values, so a substring search cannot match anything by accident.
const secrets: StackSecrets = {
  postgresPassword: 'PgSecretValue0123456789abcdefghijklmnopqrstuvwxyzABCD',
  authentikSecretKey: 'AkSecretKeyValue0123456789abcdefghijklmnopqrstuvwxyzAB',
  bootstrapPassword: 'BootstrapPasswordValue0123456789abcdefghijklmnopqrstu',
  bootstrapToken: 'BootstrapTokenValue0123456789abcdefghijklmnopqrstuvwx',
  smtpPassword: 'SmtpPasswordValue0123456789abcdefghijklmnopqrstuvwxyz',
}

function swarmFor(version: (typeof supportedAuthentikVersions)[number], replicas = 3) {
  const settings = SettingsSchema.parse({ ...input, authentikVersion: version })
  return buildSwarmStack(buildStack(settings, secrets), { serverReplicas: replicas })
}

describe('settings: deployment target', () => {
  test('files without the field parse as a single engine with 2 replicas planned for swarm', () => {
    const parsed = SettingsSchema.parse(input)
    expect(parsed.deployment).toEqual({ target: 'single', serverReplicas: 2 })
  })
  test('swarm with N replicas is kept; 0 replicas and unknown targets are refused', () => {
    expect(
      SettingsSchema.parse({ ...input, deployment: { target: 'swarm', serverReplicas: 4 } })
        .deployment,
    ).toEqual({
      target: 'swarm',
      serverReplicas: 4,
    })
    expect(
      SettingsSchema.safeParse({ ...input, deployment: { target: 'swarm', serverReplicas: 0 } })
        .success,
    ).toBe(false)
    expect(SettingsSchema.safeParse({ ...input, deployment: { target: 'k8s' } }).success).toBe(
      false,
    )
  })
})

describe.each(supportedAuthentikVersions)('swarm spec for %s', (version) => {
  const swarm = swarmFor(version)

  test('no secret value appears anywhere in the service specs', () => {
    const specs = JSON.stringify(swarm.services)
    for (const value of Object.values(secrets)) expect(specs).not.toContain(value)
  })

  test('secrets become Docker secrets read through file:// and *_FILE', () => {
    const byName = new Map(swarm.secrets.map((s) => [s.name, s.value]))
    expect(byName.get('authentik_postgres_password')).toBe(secrets.postgresPassword)
    expect(byName.get('authentik_authentik_secret_key')).toBe(secrets.authentikSecretKey)
    // One secret for the password both PostgreSQL and Authentik read.
    expect(swarm.secrets.filter((s) => s.value === secrets.postgresPassword)).toHaveLength(1)
    const server = swarm.services.find((s) => s.Name === 'authentik_server')
    const pg = swarm.services.find((s) => s.Name === 'authentik_postgresql')
    expect(server?.TaskTemplate.ContainerSpec.Env).toContain(
      'AUTHENTIK_SECRET_KEY=file:///run/secrets/authentik_authentik_secret_key',
    )
    expect(pg?.TaskTemplate.ContainerSpec.Env).toContain(
      'POSTGRES_PASSWORD_FILE=/run/secrets/authentik_postgres_password',
    )
    expect(pg?.TaskTemplate.ContainerSpec.Env.some((e) => e.startsWith('POSTGRES_PASSWORD='))).toBe(
      false,
    )
    // Every referenced secret is mounted into that service.
    for (const svc of swarm.services) {
      const mounted = svc.TaskTemplate.ContainerSpec.Secrets.map((s) => s.SecretName)
      for (const e of svc.TaskTemplate.ContainerSpec.Env) {
        const ref = /\/run\/secrets\/(\S+)$/.exec(e)
        if (ref) expect(mounted).toContain(ref[1])
      }
    }
  })

  test('stack labels, replicas, alias, placement and rolling update order', () => {
    for (const svc of swarm.services) expect(svc.Labels[STACK_NAMESPACE_LABEL]).toBe('authentik')
    for (const s of swarm.secrets) expect(s.labels[STACK_NAMESPACE_LABEL]).toBe('authentik')
    const server = swarm.services.find((s) => s.Name === 'authentik_server')
    expect(server?.Mode.Replicated.Replicas).toBe(3)
    expect(server?.UpdateConfig).toMatchObject({ Parallelism: 1, Order: 'start-first' })
    expect(server?.TaskTemplate.Networks.find((n) => n.Target === 'traefik')?.Aliases).toEqual([
      SERVER_ALIAS,
    ])
    // Traefik's routing labels live on the service (deploy.labels), not only on containers.
    expect(server?.Labels['traefik.enable']).toBe('true')
    const pg = swarm.services.find((s) => s.Name === 'authentik_postgresql')
    expect(pg?.TaskTemplate.Placement.Constraints).toEqual(['node.role==manager'])
    expect(pg?.UpdateConfig.Order).toBe('stop-first')
    expect(pg?.Mode.Replicated.Replicas).toBe(1)
    expect(swarm.networks.find((n) => n.name === 'traefik')?.external).toBe(true)
  })
})
