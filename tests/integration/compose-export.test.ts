import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildStack, factsFor, type StackSecrets } from '../../src/main/stack/catalogue'
import { dotEnvValue, exportStack, renderCompose } from '../../src/main/stack/compose-export'
import { GatehouseError } from '../../src/shared/errors'
import { SettingsSchema, type SettingsInput } from '../../src/shared/settings'

/**
 * The export is checked by its real consumer: Debian's docker-compose 1.29 must parse the folder,
 * read `.env` (no "variable is not set" warning) and resolve every secret to the exact value.
 * docker-compose missing is a failure, not a skip: the export is only proven with it.
 */

const COMPOSE = 'docker-compose'

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs docker-compose with a clean environment, so no shell variable can shadow `.env`. */
function compose(args: string[], cwd: string): Run {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
  }
  if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST
  const r = spawnSync(COMPOSE, args, { cwd, env, encoding: 'utf8', timeout: 60_000 })
  if (r.error) throw new Error(`${COMPOSE} could not run: ${r.error.message}`)
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const input: SettingsInput = {
  baseDomain: 'example.com',
  adminEmail: 'admin@example.com',
  smtp: {
    host: 'smtp.example.com',
    port: 465,
    username: 'u$er',
    from: 'auth@example.com',
    tls: 'tls',
  },
  // A "$" in a non-secret value must reach the container literally (written "$$" in the YAML).
  dataFolder: '/srv/gate$house',
  timezone: 'Europe/Berlin',
  publishSetupPort: true,
}

// Generated secrets are letters and digits; the SMTP password is typed by the admin, so the two
// quoting paths of .env (single and double quotes) are exercised with it, one per version.
// Four versions: one per stack shape the milestones make (Redis + /media; no Redis + /media;
// /data without shm_size; /data with shm_size). The other three releases repeat one of these
// shapes (the catalogue's per-release unit test checks each maps to its shape).
const smtpPasswords = {
  '2025.6.3': 'pa ss #w$rd{x}',
  '2025.10.4': `it's a \\ "q" #2`,
  '2025.12.6': 'sp ace#and$dollar',
  '2026.8.3': `it's a \\ "q" #1`,
} as const

function secretsFor(version: keyof typeof smtpPasswords): StackSecrets {
  return {
    postgresPassword: 'PgSecretValue0123456789abcdefghijklmnopqrstuvwxyzABCD',
    authentikSecretKey: 'AkSecretKeyValue0123456789abcdefghijklmnopqrstuvwxyzAB',
    bootstrapPassword: 'BootstrapPasswordValue0123456789abcdefghijklmnopqrstu',
    bootstrapToken: 'BootstrapTokenValue0123456789abcdefghijklmnopqrstuvwxy',
    smtpPassword: smtpPasswords[version],
  }
}

interface ComposeConfig {
  services: Record<
    string,
    {
      image: string
      environment?: Record<string, string>
      volumes?: string[]
      ports?: string[]
      user?: string
      shm_size?: number
      networks?: Record<string, { aliases?: string[] } | null>
      depends_on?: Record<string, { condition: string }>
      labels?: Record<string, string>
      healthcheck?: { test: string[] }
    }
  >
  networks?: Record<string, { external?: boolean; name?: string }>
  volumes?: Record<string, unknown>
}

/** compose's `config` prints environment values escaped again, so a literal "$" shows as "$$". */
const asPrinted = (value: string) => value.replace(/\$/g, '$$$$')

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gatehouse-export-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

test("Debian's docker-compose 1.29 is installed", () => {
  const r = compose(['version', '--short'], tmpdir())
  expect(r.status).toBe(0)
  expect(r.stdout.trim()).toMatch(/^1\.29\./)
})

describe.each(Object.keys(smtpPasswords) as (keyof typeof smtpPasswords)[])(
  'export of a %s stack',
  (version) => {
    const project = `ghexport${version.replace(/\./g, '')}`
    const secrets = secretsFor(version)
    const facts = factsFor(version)
    const stack = buildStack(
      SettingsSchema.parse({ ...input, authentikVersion: version, project }),
      secrets,
    )
    let folder: string
    let paths: Awaited<ReturnType<typeof exportStack>>

    beforeAll(async () => {
      folder = join(root, version, 'nested')
      paths = await exportStack(stack, folder)
    })

    test('writes exactly docker-compose.yml and .env (0600), with a warning about secrets', async () => {
      expect((await readdir(folder)).sort()).toEqual(['.env', 'docker-compose.yml'])
      expect(paths.composeFile).toBe(join(folder, 'docker-compose.yml'))
      expect(paths.envFile).toBe(join(folder, '.env'))
      expect(paths.warning).toContain('.env')
      expect(paths.warning).toMatch(/secret/i)
      expect((await stat(paths.envFile)).mode & 0o777).toBe(0o600)
    })

    test('no secret value appears in docker-compose.yml; all of them are in .env', async () => {
      const yml = await readFile(paths.composeFile, 'utf8')
      const env = await readFile(paths.envFile, 'utf8')
      for (const value of Object.values(secrets)) expect(yml).not.toContain(value)
      for (const value of Object.values(secrets).filter((v) => /^[A-Za-z0-9]+$/.test(v))) {
        expect(env).toContain(value)
      }
      expect(env).toContain(`COMPOSE_PROJECT_NAME=${project}`)
      expect(yml).toContain('${AUTHENTIK_SECRET_KEY}')
    })

    const checkConfig = (r: Run) => {
      expect(r.stderr).not.toMatch(/is not set/)
      expect(r.status, r.stderr).toBe(0)
      const config = parse(r.stdout) as ComposeConfig
      const names = Object.keys(config.services).sort()
      expect(names).toEqual(
        facts.redis
          ? ['postgresql', 'redis', 'server', 'worker']
          : ['postgresql', 'server', 'worker'],
      )

      const server = config.services.server!
      const worker = config.services.worker!
      for (const s of [server, worker]) {
        expect(s.environment).toMatchObject({
          AUTHENTIK_SECRET_KEY: secrets.authentikSecretKey,
          AUTHENTIK_POSTGRESQL__PASSWORD: secrets.postgresPassword,
          AUTHENTIK_BOOTSTRAP_PASSWORD: secrets.bootstrapPassword,
          AUTHENTIK_BOOTSTRAP_TOKEN: secrets.bootstrapToken,
          AUTHENTIK_EMAIL__PASSWORD: asPrinted(secrets.smtpPassword ?? ''),
          AUTHENTIK_EMAIL__USERNAME: asPrinted('u$er'),
          AUTHENTIK_EMAIL__USE_SSL: 'true',
        })
      }
      expect(config.services.postgresql?.environment?.POSTGRES_PASSWORD).toBe(
        secrets.postgresPassword,
      )
      expect(config.services.postgresql?.healthcheck?.test).toEqual([
        'CMD-SHELL',
        'pg_isready -d $$POSTGRES_DB -U $$POSTGRES_USER',
      ])
      expect(server.networks?.traefik?.aliases).toEqual(['authentik-server'])
      expect(Object.keys(server.networks ?? {}).sort()).toEqual(['default', 'traefik'])
      expect(Object.keys(worker.networks ?? {})).toEqual(['default'])
      expect(config.networks?.traefik).toMatchObject({ external: true, name: 'traefik' })
      expect(server.ports).toEqual(['127.0.0.1:9000:9000/tcp'])
      expect(server.labels?.['traefik.http.routers.authentik.rule']).toBe(
        'Host(`auth.example.com`)',
      )
      expect(worker.user).toBe('root')
      expect(worker.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock:rw')
      const dataTarget = facts.dataMount.folder
      // compose 1.29 prints volume strings as resolved (unlike environment values): one "$".
      expect(worker.volumes).toContain(`/srv/gate$house/${dataTarget}:/${dataTarget}:rw`)
      expect(config.services.postgresql?.volumes).toEqual(['database:/var/lib/postgresql/data:rw'])
      expect(Object.keys(config.volumes ?? {}).sort()).toEqual(
        facts.redis ? ['database', 'redis'] : ['database'],
      )
      expect(server.shm_size).toBe(facts.shmSizeBytes)
      expect(Object.keys(server.depends_on ?? {}).sort()).toEqual(
        facts.redis ? ['postgresql', 'redis'] : ['postgresql'],
      )
    }

    test('docker-compose -f <folder>/docker-compose.yml config accepts it and resolves every secret', () => {
      checkConfig(compose(['-f', paths.composeFile, 'config'], root))
    })

    test('and the same with --project-directory', () => {
      checkConfig(compose(['--project-directory', folder, '-f', paths.composeFile, 'config'], root))
    })

    test('compose takes the project name from .env (what it asks the engine for)', () => {
      const r = compose(['--verbose', '-f', paths.composeFile, 'ps'], root)
      expect(r.status, r.stderr).toBe(0)
      expect(r.stderr).toContain(`com.docker.compose.project=${project}`)
    })

    test('exporting again replaces both files atomically', async () => {
      await exportStack(stack, folder)
      expect((await readdir(folder)).sort()).toEqual(['.env', 'docker-compose.yml'])
      expect((await stat(paths.envFile)).mode & 0o777).toBe(0o600)
    })
  },
)

describe('rendering rules', () => {
  const base = buildStack(SettingsSchema.parse(input), secretsFor('2026.8.3'))

  test('one .env variable per distinct secret, reused across services', () => {
    const { dotEnv, composeYaml } = renderCompose(base)
    const names = dotEnv
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.slice(0, l.indexOf('=')))
    expect(names).toEqual([
      'COMPOSE_PROJECT_NAME',
      'POSTGRES_PASSWORD',
      'AUTHENTIK_SECRET_KEY',
      'AUTHENTIK_BOOTSTRAP_PASSWORD',
      'AUTHENTIK_BOOTSTRAP_TOKEN',
      'AUTHENTIK_EMAIL__PASSWORD',
    ])
    expect(composeYaml).toContain('AUTHENTIK_POSTGRESQL__PASSWORD: ${POSTGRES_PASSWORD}')
  })

  test('.env values: bare when plain, quoted when needed, refused when not portable', () => {
    expect(dotEnvValue('A', 'abcXYZ019_-.')).toBe('abcXYZ019_-.')
    expect(dotEnvValue('A', 'a b#$c')).toBe(`'a b#$c'`)
    expect(dotEnvValue('A', `it's \\ "x"`)).toBe(`"it's \\\\ \\"x\\""`)
    for (const bad of ['a${b}', `it's $5`, 'line\nbreak']) {
      expect(() => dotEnvValue('SMTP', bad)).toThrow(GatehouseError)
    }
    try {
      dotEnvValue('AUTHENTIK_EMAIL__PASSWORD', 'x${HOME}')
    } catch (error) {
      expect((error as GatehouseError).code).toBe('EXPORT_FAILED')
      expect((error as GatehouseError).message).toContain('AUTHENTIK_EMAIL__PASSWORD')
      expect((error as GatehouseError).message).not.toContain('x${HOME}')
    }
  })

  test('an unwritable folder gives EXPORT_FAILED naming the folder', async () => {
    const file = join(root, 'a-file')
    await writeFile(file, '')
    await expect(exportStack(base, join(file, 'sub'))).rejects.toMatchObject({
      code: 'EXPORT_FAILED',
      message: expect.stringContaining(join(file, 'sub')),
    })
  })
})
