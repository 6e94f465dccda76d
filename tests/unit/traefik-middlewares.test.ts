import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import fc from 'fast-check'
import { parse } from 'yaml'
import { describe, expect, test } from 'vitest'
import { unifiedDiff } from '../../src/main/traefik/diff'
import { appNameProblem, composeLabelsBlock, routerLabels } from '../../src/main/traefik/labels'
import { merge } from '../../src/main/traefik/merge'
import {
  AUTHENTIK_RESPONSE_HEADERS,
  authentikServerProblem,
  managedMiddlewares,
  suggestedSecurityHeaders,
} from '../../src/main/traefik/middlewares'
import { entryYaml } from '../../src/main/traefik/render'

/** Traefik v3's own file-provider schema (SchemaStore; see tests/fixtures/traefik/README.md). */
const schema = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/traefik/traefik-v3-file-provider.json'), 'utf8'),
) as object
const ajv = new Ajv({ allErrors: true, strict: false })
const validateConfig = ajv.compile(schema)

function expectValidTraefik(config: unknown): void {
  const ok = validateConfig(config)
  expect(validateConfig.errors ?? [], JSON.stringify(validateConfig.errors)).toEqual([])
  expect(ok).toBe(true)
}

const asObject = (entries: ReturnType<typeof managedMiddlewares>) =>
  Object.fromEntries(entries.map((e) => [e.name, e.value]))

describe('managed middlewares', () => {
  test('R2 is the guide’s authentik-auth (eleven X-authentik headers) and the authentik chain', () => {
    const entries = managedMiddlewares({ include: ['r2'] })
    expect(entries.map((e) => e.name)).toEqual(['authentik-auth', 'authentik'])
    expect(asObject(entries)).toEqual({
      'authentik-auth': {
        forwardAuth: {
          address: 'http://authentik-server:9000/outpost.goauthentik.io/auth/traefik',
          trustForwardHeader: true,
          authResponseHeaders: [
            'X-authentik-username',
            'X-authentik-groups',
            'X-authentik-email',
            'X-authentik-name',
            'X-authentik-uid',
            'X-authentik-jwt',
            'X-authentik-meta-jwks',
            'X-authentik-meta-outpost',
            'X-authentik-meta-provider',
            'X-authentik-meta-app',
            'X-authentik-meta-version',
          ],
        },
      },
      authentik: { chain: { middlewares: ['authentik-auth', 'default-security-headers'] } },
    })
    expect(AUTHENTIK_RESPONSE_HEADERS).toHaveLength(11)
  })

  test('R10 adds authentik-auth-http (plus the authorization header) and the authentik-http chain', () => {
    const entries = asObject(managedMiddlewares({ include: ['r2', 'r10'] }))
    expect(Object.keys(entries)).toEqual([
      'authentik-auth',
      'authentik',
      'authentik-auth-http',
      'authentik-http',
    ])
    const http = entries['authentik-auth-http'] as {
      forwardAuth: { authResponseHeaders: string[] }
    }
    expect(http.forwardAuth.authResponseHeaders).toEqual([
      ...AUTHENTIK_RESPONSE_HEADERS,
      'authorization',
    ])
    expect(entries['authentik-http']).toEqual({
      chain: { middlewares: ['authentik-auth-http', 'default-security-headers'] },
    })
  })

  test('the server host and port go into the forwardAuth address', () => {
    const [auth] = managedMiddlewares({ include: ['r2'], server: { host: 'ak', port: 9443 } })
    expect(auth?.value).toMatchObject({
      forwardAuth: { address: 'http://ak:9443/outpost.goauthentik.io/auth/traefik' },
    })
    expect(authentikServerProblem({ host: 'ak server', port: 9000 })).toMatch(/container name/)
    expect(authentikServerProblem({ host: 'ak', port: 70000 })).toMatch(/1 to 65535/)
    expect(authentikServerProblem({ host: 'authentik-server', port: 9000 })).toBeNull()
  })

  test('every generated middleware (and the suggested security headers) is valid Traefik v3', () => {
    const all = [...managedMiddlewares({ include: ['r2', 'r10'] }), suggestedSecurityHeaders()]
    expectValidTraefik({ http: { middlewares: asObject(all) } })
    // The schema is strict: an unknown forwardAuth key is refused, so the check has teeth.
    expect(
      validateConfig({ http: { middlewares: { x: { forwardAuth: { adress: 'http://a' } } } } }),
    ).toBe(false)
  })

  test('a freshly merged file, as Traefik would read it, is valid against the schema', () => {
    const { text } = merge(null, managedMiddlewares({ include: ['r2', 'r10'] }), {
      ifMissing: [suggestedSecurityHeaders()],
    })
    expectValidTraefik(parse(text))
  })

  test('the suggested security headers are shown as YAML that reads back to the same value', () => {
    const suggested = suggestedSecurityHeaders()
    const yaml = entryYaml(suggested)
    expect(parse(yaml)).toEqual({ [suggested.name]: suggested.value })
    expect(yaml).toContain('stsSeconds: 31536000')
  })
})

describe('router labels', () => {
  test('R2 labels route <app>.<domain> through authentik@file, R10 through authentik-http@file', () => {
    expect(routerLabels({ app: 'sonarr', domain: 'example.com', set: 'r2' })).toEqual([
      'traefik.enable=true',
      'traefik.http.routers.sonarr.rule=Host(`sonarr.example.com`)',
      'traefik.http.routers.sonarr.entrypoints=websecure',
      'traefik.http.routers.sonarr.tls=true',
      'traefik.http.routers.sonarr.middlewares=authentik@file',
    ])
    const r10 = routerLabels({ app: 'radarr', domain: 'example.com', set: 'r10', port: 7878 })
    expect(r10).toContain('traefik.http.routers.radarr.middlewares=authentik-http@file')
    expect(r10).toContain('traefik.http.services.radarr.loadbalancer.server.port=7878')
  })

  test('the compose block pastes under a service and reads back as the same labels', () => {
    const labels = routerLabels({ app: 'whoami', domain: 'nas.example.org', set: 'r2' })
    const block = composeLabelsBlock(labels)
    expect(block.split('\n')[0]).toBe('    labels:')
    const compose = parse(`services:\n  whoami:\n    image: traefik/whoami\n${block}\n`) as {
      services: { whoami: { labels: string[] } }
    }
    expect(compose.services.whoami.labels).toEqual(labels)
  })

  test('app names must work as router names and DNS labels', () => {
    expect(appNameProblem('sonarr')).toBeNull()
    for (const bad of ['Sonarr', 'my_app', '-x', 'a.b', ''])
      expect(appNameProblem(bad)).not.toBeNull()
  })
})

/**
 * Applies a unified diff strictly (every context and removed line must match, hunk counts must
 * add up), so the test proves the diff describes exactly before → after.
 */
function applyUnified(before: string, diff: string): string {
  const lines = before === '' ? [] : before.split('\n')
  const trailingNl = before === '' || before.endsWith('\n')
  if (before.endsWith('\n')) lines.pop()
  const body = diff.split('\n')
  expect(body[0]).toBe('--- before')
  expect(body[1]).toBe('+++ after')
  // Each output line with whether it ends without a line break.
  const out: { text: string; noNl: boolean }[] = []
  let src = 0
  const copy = () => {
    out.push({ text: lines[src] as string, noNl: src === lines.length - 1 && !trailingNl })
    src++
  }
  let i = 2
  while (i < body.length && body[i] !== '') {
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(body[i] as string)
    expect(m, `hunk header: ${body[i]}`).not.toBeNull()
    const aStart = Number(m?.[1])
    const aCount = m?.[2] === undefined ? 1 : Number(m[2])
    const bCount = m?.[4] === undefined ? 1 : Number(m[4])
    const firstA = aCount === 0 ? aStart : aStart - 1
    while (src < firstA) copy()
    i++
    let seenA = 0
    let seenB = 0
    while (i < body.length && /^[ +\-\\]/.test(body[i] as string)) {
      const line = body[i] as string
      const text = line.slice(1)
      if (line.startsWith('\\')) {
        // The line before it has no final line break (only matters for output lines).
        if (!(body[i - 1] as string).startsWith('-'))
          (out[out.length - 1] as { noNl: boolean }).noNl = true
      } else if (line.startsWith(' ')) {
        expect(lines[src]).toBe(text)
        out.push({ text, noNl: false })
        src++
        seenA++
        seenB++
      } else if (line.startsWith('-')) {
        expect(lines[src]).toBe(text)
        src++
        seenA++
      } else {
        out.push({ text, noNl: false })
        seenB++
      }
      i++
    }
    expect([seenA, seenB]).toEqual([aCount, bCount])
  }
  while (src < lines.length) copy()
  return out.map((l) => l.text + (l.noNl ? '' : '\n')).join('')
}

describe('unified diff', () => {
  test('shows a merge as hunks with context and nothing when the texts are equal', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n'
    const after = 'a\nb\nc\nX\nd\ne\nf\ng\nh\n'
    expect(unifiedDiff(before, before)).toBe('')
    expect(unifiedDiff(before, after)).toBe(
      '--- before\n+++ after\n@@ -1,6 +1,7 @@\n a\n b\n c\n+X\n d\n e\n f\n',
    )
  })

  test('a missing final line break is marked like diff(1) does', () => {
    expect(unifiedDiff('a\nb', 'a\nb\nc\n')).toBe(
      '--- before\n+++ after\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n',
    )
  })

  test('property: applying the diff to before gives exactly after', () => {
    const line = fc.constantFrom('a', 'b', 'c', '', '  x: 1', '# c')
    const text = fc
      .tuple(fc.array(line, { maxLength: 30 }), fc.boolean())
      .map(([ls, nl]) => (ls.length === 0 ? '' : ls.join('\n') + (nl ? '\n' : '')))
    fc.assert(
      fc.property(text, text, (before, after) => {
        const diff = unifiedDiff(before, after)
        if (before === after) expect(diff).toBe('')
        else expect(applyUnified(before, diff)).toBe(after)
      }),
      { numRuns: 500 },
    )
  })
})
