import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import fc from 'fast-check'
import { parse } from 'yaml'
import { describe, expect, test } from 'vitest'
import { merge, middlewareNames } from '../../src/main/traefik/merge'
import {
  managedMiddlewares,
  suggestedSecurityHeaders,
  type MiddlewareEntry,
  type MiddlewareSet,
} from '../../src/main/traefik/middlewares'
import { GatehouseError } from '../../src/shared/errors'

/**
 * Property tests of the comment-keeping merge into dynamic_config.yml.
 *
 * The generator builds a file line by line and tags every line: `managed` for lines of a stale or
 * current Gatehouse middleware (authentik-auth, authentik, …), `scaffold` for the `http:` /
 * `middlewares:` key lines when their value is empty (`~`, `{}`, nothing) — the only lines the
 * merge may rewrite — and `other` for everything else.
 *
 * The oracle for "everything else is preserved byte for byte": take the `other` lines of the
 * input; take the output and drop (a) every managed middleware block, found independently of
 * the implementation by indentation — its `name:` key line plus the following non-blank lines
 * indented deeper than that key — and (b) the `http:` / `middlewares:` key lines when the input
 * had them only as scaffold (or not at all). The two line lists must be identical, including
 * line breaks (`\r\n` files keep `\r`), blank lines, comments and quoting. Separately the output
 * must parse, hold exactly the wanted managed values, and merging it again must change nothing.
 *
 * The generator keeps comment lines inside the middlewares map at the entries' own column (or
 * inline), never deeper right after a managed block, so "indented deeper" unambiguously means
 * "part of that block" for the oracle.
 */

type Kind = 'other' | 'managed' | 'scaffold'
interface Line {
  readonly text: string
  readonly kind: Kind
  /** For managed lines: which middleware they belong to. */
  readonly name?: string
}

const MANAGED = ['authentik-auth', 'authentik', 'authentik-auth-http', 'authentik-http']
const pad = (n: number) => ' '.repeat(n)

// ---- pieces of a dynamic_config.yml -------------------------------------------------------

const comment = fc.constantFrom('# note', '# TODO: tidy up', '#', '# ünïcode ✓', '# key: value')
const inline = fc.option(comment, { nil: undefined, freq: 3 })
const withInline = (text: string, c: string | undefined) => (c ? `${text}  ${c}` : text)
const quoted = (value: string) =>
  fc.constantFrom(value, `"${value}"`, `'${value}'`).filter((v) => !/^[^"'].*: /.test(v))

/** Optional comment lines and blank lines before an entry, at `column`. */
const leading = (column: number) =>
  fc
    .array(
      fc.oneof(
        comment.map((c) => pad(column) + c),
        fc.constant(''),
      ),
      { maxLength: 2 },
    )
    .map((ls) => ls.map((text): Line => ({ text, kind: 'other' })))

/** Another middleware the admin wrote, in block or flow style, with comments. */
function otherMiddleware(name: string, c: number, u: number): fc.Arbitrary<Line[]> {
  const block = fc
    .tuple(quoted('https'), inline, inline, fc.boolean())
    .map(([scheme, c1, c2, permanent]) =>
      [
        withInline(`${pad(c)}${name}:`, c1),
        `${pad(c + u)}redirectScheme:`,
        withInline(`${pad(c + 2 * u)}scheme: ${scheme}`, c2),
        `${pad(c + 2 * u)}permanent: ${permanent}`,
      ].map((text): Line => ({ text, kind: 'other' })),
    )
  const flow = fc
    .tuple(fc.constantFrom('{a: 1}', '{ X-Forwarded-Proto: "https" }', "{'X-A': 'b'}"), inline)
    .map(([headers, c1]) => [
      {
        text: withInline(`${pad(c)}${name}: {headers: {customRequestHeaders: ${headers}}}`, c1),
        kind: 'other' as const,
      },
    ])
  const basic = fc.tuple(fc.boolean(), inline, fc.boolean()).map(([indentSeq, c1, deeperComment]) =>
    [
      `${pad(c)}${name}:`,
      `${pad(c + u)}basicAuth:`,
      `${pad(c + 2 * u)}users:`,
      withInline(
        `${pad(c + 2 * u + (indentSeq ? u : 0))}- "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"`,
        c1,
      ),
      // A comment that belongs to this entry (deeper than the entries): stays with it.
      ...(deeperComment ? [`${pad(c + 2 * u)}# - "old:hash"`] : []),
    ].map((text): Line => ({ text, kind: 'other' })),
  )
  return fc.oneof(block, flow, basic)
}

/** A Gatehouse middleware already in the file: out of date, or exactly current (any style). */
function managedInFile(
  name: string,
  wanted: MiddlewareEntry | undefined,
  c: number,
  u: number,
): fc.Arbitrary<{ lines: Line[]; current: boolean }> {
  const tag = (texts: string[], current: boolean) => ({
    lines: texts.map((text): Line => ({ text, kind: 'managed', name })),
    current,
  })
  if (name === 'authentik-auth' || name === 'authentik-auth-http') {
    const headers = (
      (wanted?.value as { forwardAuth?: { authResponseHeaders?: string[] } } | undefined)
        ?.forwardAuth?.authResponseHeaders ?? []
    ).slice()
    const stale = fc
      .tuple(
        fc.constantFrom('http://authentik:9000', 'http://authentik-server:9000'),
        fc.boolean(),
        fc.integer({ min: 0, max: headers.length }),
        inline,
      )
      .filter(
        ([host, trust, n]) => !(host.endsWith('server:9000') && trust && n === headers.length),
      )
      .map(([host, trust, n, c1]) =>
        tag(
          [
            `${pad(c)}${name}:`,
            `${pad(c + u)}forwardAuth:`,
            `${pad(c + 2 * u)}# Match base url to authentik server container name`,
            withInline(`${pad(c + 2 * u)}address: ${host}/outpost.goauthentik.io/auth/traefik`, c1),
            `${pad(c + 2 * u)}trustForwardHeader: ${trust}`,
            `${pad(c + 2 * u)}authResponseHeaders:`,
            ...headers.slice(0, n).map((h) => `${pad(c + 2 * u)}- ${h}`),
          ],
          false,
        ),
      )
    const current = fc
      .tuple(fc.boolean(), inline)
      .map(([flowHeaders, c1]) =>
        tag(
          [
            withInline(`${pad(c)}${name}:`, c1),
            `${pad(c + u)}forwardAuth:`,
            `${pad(c + 2 * u)}address: "http://authentik-server:9000/outpost.goauthentik.io/auth/traefik"`,
            `${pad(c + 2 * u)}trustForwardHeader: true`,
            ...(flowHeaders
              ? [`${pad(c + 2 * u)}authResponseHeaders: [${headers.join(', ')}]`]
              : [
                  `${pad(c + 2 * u)}authResponseHeaders:`,
                  ...headers.map((h) => `${pad(c + 3 * u)}- ${h}`),
                ]),
          ],
          true,
        ),
      )
    return wanted ? fc.oneof(stale, current) : stale
  }
  const auth = name === 'authentik' ? 'authentik-auth' : 'authentik-auth-http'
  const stale = fc
    .constantFrom([auth], [auth, 'security'], ['default-security-headers', auth])
    .map((list) =>
      tag(
        [
          `${pad(c)}${name}:`,
          `${pad(c + u)}chain:`,
          `${pad(c + 2 * u)}middlewares: [${list.join(', ')}]`,
        ],
        false,
      ),
    )
  const current = fc.constant(
    tag([`${pad(c)}${name}: {chain: {middlewares: [${auth}, default-security-headers]}}`], true),
  )
  return wanted ? fc.oneof(stale, current) : stale
}

interface Generated {
  readonly text: string
  readonly lines: Line[]
  readonly include: MiddlewareSet[]
  readonly addSuggested: boolean
  /** Managed names present in the file, and whether each is already current. */
  readonly present: Map<string, boolean>
  readonly hadSecurityHeaders: boolean
  readonly newline: string
  readonly unit: number
  readonly finalNewline: boolean
}

const routersSection = (u: number) =>
  fc
    .tuple(quoted('Host(`nas.example.com`)'), fc.boolean(), inline)
    .map(([rule, flowEntry, c1]) =>
      [
        `${pad(u)}routers:`,
        `${pad(2 * u)}nas:`,
        withInline(`${pad(3 * u)}rule: ${rule}`, c1),
        flowEntry ? `${pad(3 * u)}entryPoints: [websecure]` : `${pad(3 * u)}entryPoints:`,
        ...(flowEntry ? [] : [`${pad(3 * u)}- websecure`]),
        `${pad(3 * u)}middlewares:`,
        `${pad(3 * u)}- authentik`,
        `${pad(3 * u)}service: nas`,
      ].map((text): Line => ({ text, kind: 'other' })),
    )

const servicesSection = (u: number) =>
  fc
    .constantFrom('http://192.168.1.10:5000', "'http://nas.lan:5000'")
    .map((url) =>
      [
        `${pad(u)}services:`,
        `${pad(2 * u)}nas:`,
        `${pad(3 * u)}loadBalancer:`,
        `${pad(4 * u)}servers:`,
        `${pad(4 * u)}- url: ${url}`,
      ].map((text): Line => ({ text, kind: 'other' })),
    )

const tlsSection = (u: number) =>
  fc.constant(
    [
      'tls:',
      `${pad(u)}options:`,
      `${pad(2 * u)}default:`,
      `${pad(3 * u)}minVersion: VersionTLS12`,
    ].map((text): Line => ({ text, kind: 'other' })),
  )

const generated: fc.Arbitrary<Generated> = fc
  .record({
    u: fc.constantFrom(2, 4),
    include: fc.constantFrom<MiddlewareSet[]>(['r2'], ['r2', 'r10']),
    addSuggested: fc.boolean(),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
    docStart: fc.boolean(),
    header: fc.array(comment, { maxLength: 2 }),
    httpMode: fc.constantFrom('absent', 'empty', 'block', 'block', 'block'),
    mwMode: fc.constantFrom(
      'absent',
      'empty-null',
      'empty-tilde',
      'empty-flow',
      'block',
      'block',
      'block',
    ),
    httpFirst: fc.boolean(),
    withTls: fc.boolean(),
    sectionOrder: fc.constantFrom(0, 1, 2),
    otherNames: fc.uniqueArray(
      fc.constantFrom(
        'https-redirect',
        'compress',
        'basic-auth',
        'my-headers',
        'default-security-headers',
      ),
      { maxLength: 4 },
    ),
    presentManaged: fc.subarray(MANAGED),
    seed: fc.integer(),
  })
  .chain((g) => {
    const u = g.u
    const c = 2 * u
    const wanted = new Map(managedMiddlewares({ include: g.include }).map((e) => [e.name, e]))
    const entries = [
      ...g.otherNames.map((name) => ({ name, managed: false })),
      ...g.presentManaged.map((name) => ({ name, managed: true })),
    ]
    const entryArbs = entries.map(({ name, managed }) =>
      fc
        .tuple(
          leading(c),
          managed
            ? managedInFile(name, wanted.get(name), c, u)
            : otherMiddleware(name, c, u).map((lines) => ({ lines, current: false })),
        )
        .map(([lead, body]) => ({ name, managed, lead, ...body })),
    )
    return fc
      .tuple(
        fc.shuffledSubarray(entryArbs.length ? entryArbs.map((_, i) => i) : [], {
          minLength: entryArbs.length,
          maxLength: entryArbs.length,
        }),
        entryArbs.length ? fc.tuple(...entryArbs) : fc.constant([]),
        routersSection(u),
        servicesSection(u),
        tlsSection(u),
        leading(0),
      )
      .map(([order, built, routers, services, tls, topLead]) => {
        const items = order.map((i) => built[i] as (typeof built)[number])
        const hasMiddlewareEntries = items.length > 0
        const mwMode = hasMiddlewareEntries && g.mwMode.startsWith('empty') ? 'block' : g.mwMode
        const httpMode =
          g.httpMode === 'empty' && (hasMiddlewareEntries || mwMode === 'block')
            ? 'block'
            : g.httpMode
        const lines: Line[] = []
        if (g.docStart) lines.push({ text: '---', kind: 'other' })
        for (const h of g.header) lines.push({ text: h, kind: 'other' })
        const http: Line[] = []
        const present = new Map<string, boolean>()
        let hadSecurityHeaders = false
        if (httpMode === 'empty') {
          http.push({ text: g.seed % 2 ? 'http: {}' : 'http:', kind: 'scaffold' })
        } else if (httpMode === 'block') {
          http.push({ text: 'http:', kind: 'other' })
          const mw: Line[] = []
          if (mwMode === 'empty-null') mw.push({ text: `${pad(u)}middlewares:`, kind: 'scaffold' })
          if (mwMode === 'empty-tilde')
            mw.push({ text: `${pad(u)}middlewares: ~  # none yet`, kind: 'scaffold' })
          if (mwMode === 'empty-flow')
            mw.push({ text: `${pad(u)}middlewares: {}`, kind: 'scaffold' })
          if (mwMode === 'block' && hasMiddlewareEntries) {
            mw.push({ text: `${pad(u)}middlewares:`, kind: 'other' })
            for (const item of items) {
              mw.push(...item.lead, ...item.lines)
              if (item.managed) present.set(item.name, item.current)
              if (item.name === 'default-security-headers') hadSecurityHeaders = true
            }
          }
          const sections = [routers, services, mw]
          const rotated = [...sections.slice(g.sectionOrder), ...sections.slice(0, g.sectionOrder)]
          for (const s of rotated) http.push(...s)
        }
        const top = g.withTls ? (g.httpFirst ? [http, tls] : [tls, http]) : [http]
        lines.push(...topLead)
        for (const section of top) lines.push(...section)
        const newline = g.crlf ? '\r\n' : '\n'
        const text = lines.map((l) => l.text).join(newline) + (g.finalNewline ? newline : '')
        return {
          text,
          lines,
          include: g.include,
          addSuggested: g.addSuggested,
          present,
          hadSecurityHeaders,
          newline,
          unit: u,
          finalNewline: g.finalNewline,
        }
      })
  })

// ---- the oracle -----------------------------------------------------------------------------

const indentOf = (line: string) => line.length - line.trimStart().length
const KEY = /^( *)([A-Za-z0-9-]+):(?: |\r?$)/

/** The output's lines minus the managed blocks and the http:/middlewares: key lines named. */
function outsideLines(
  text: string,
  managed: readonly string[],
  dropKeys: readonly string[],
): string[] {
  const lines = text.split('\n')
  const kept: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    const m = KEY.exec(line)
    if (m && managed.includes(m[2] as string)) {
      const column = indentOf(line)
      while (i + 1 < lines.length) {
        const next = (lines[i + 1] as string).replace(/\r$/, '')
        if (next.trim() === '' || indentOf(next) <= column) break
        i++
      }
      continue
    }
    if (m && (dropKeys.includes(`${m[1]?.length}:${m[2]}`) || dropKeys.includes(`*:${m[2]}`)))
      continue
    kept.push(line)
  }
  return kept
}

// ---- properties -----------------------------------------------------------------------------

describe('merge into dynamic_config.yml (properties)', () => {
  test('everything outside the managed middlewares is kept byte for byte; the result holds exactly the wanted values; merging again changes nothing', () => {
    fc.assert(
      fc.property(generated, (g) => {
        const wanted = managedMiddlewares({ include: g.include })
        const suggested = suggestedSecurityHeaders()
        const options = g.addSuggested ? { ifMissing: [suggested] } : {}
        const result = merge(g.text, wanted, options)

        // 1. Exactly the wanted values, and nothing else changed in meaning.
        const before = (parse(g.text) ?? {}) as Record<string, unknown>
        const after = parse(result.text) as { http: { middlewares: Record<string, unknown> } }
        const addsSuggested = g.addSuggested && !g.hadSecurityHeaders
        for (const entry of wanted) expect(after.http.middlewares[entry.name]).toEqual(entry.value)
        if (addsSuggested)
          expect(after.http.middlewares['default-security-headers']).toEqual(suggested.value)
        const expected = structuredClone(before) as {
          http?: { middlewares?: Record<string, unknown> } | null
        }
        expected.http = expected.http ?? {}
        expected.http.middlewares = {
          ...(expected.http.middlewares ?? {}),
          ...Object.fromEntries(wanted.map((e) => [e.name, e.value])),
          ...(addsSuggested ? { 'default-security-headers': suggested.value } : {}),
        }
        expect(after).toEqual(expected)

        // 2. The reported changes match what the file held.
        expect(result.changes.filter((ch) => ch.middleware !== 'default-security-headers')).toEqual(
          wanted.map((e) => ({
            middleware: e.name,
            action: !g.present.has(e.name)
              ? 'create'
              : g.present.get(e.name)
                ? 'unchanged'
                : 'update',
          })),
        )
        if (result.changes.every((ch) => ch.action === 'unchanged'))
          expect(result.text).toBe(g.text)

        // 3. Byte-for-byte outside the managed blocks (see the oracle above). A Gatehouse
        // middleware this merge does not include (R10's in an R2-only merge) is the admin's text.
        const managedNames = [
          ...wanted.map((e) => e.name),
          ...(addsSuggested ? ['default-security-headers'] : []),
        ]
        const hadKey = (re: RegExp) => g.lines.some((l) => l.kind === 'other' && re.test(l.text))
        const dropKeys = [
          ...(hadKey(/^http:$/) ? [] : ['0:http']),
          // Without an http block the file may have no nesting to copy the indent width from.
          ...(hadKey(new RegExp(`^ {${g.unit}}middlewares:$`))
            ? []
            : [hadKey(/^http:$/) ? `${g.unit}:middlewares` : '*:middlewares']),
        ]
        const inputOutside = keepOnly(
          g,
          (l) =>
            l.kind === 'other' || (l.kind === 'managed' && !managedNames.includes(l.name ?? '')),
        ).split('\n')
        // Lines are compared without their `\r`: appending after a last line that had no line
        // break gives it one. The line breaks themselves are checked next.
        // A file that is only scaffold (`http:` and nothing else) has nothing outside: [] either way.
        const strip = (ls: string[]) =>
          ls.length === 1 && ls[0] === '' ? [] : ls.map((l) => l.replace(/\r$/, ''))
        expect(strip(outsideLines(result.text, managedNames, dropKeys))).toEqual(
          strip(inputOutside),
        )
        // A file with no line break yet gets `\n`.
        if (g.text.includes('\r\n'))
          expect(
            result.text
              .split('\n')
              .slice(0, -1)
              .every((l) => l.endsWith('\r')),
          ).toBe(true)
        else expect(result.text).not.toContain('\r')

        // 4. Idempotent.
        const again = merge(result.text, wanted, options)
        expect(again.text).toBe(result.text)
        expect(again.changes.every((ch) => ch.action === 'unchanged')).toBe(true)
      }),
      { numRuns: 1000, seed: 20261205 },
    )
  }, 60_000)
})

/** The input text with only the lines `keep` accepts (same line breaks, same final newline). */
function keepOnly(g: Generated, keep: (l: Line) => boolean): string {
  const lines = g.lines.filter(keep).map((l) => l.text)
  return lines.join(g.newline) + (g.finalNewline ? g.newline : '')
}

// ---- examples -------------------------------------------------------------------------------

/** A dynamic_config.yml as the guide's readers have it before R2: routers, TLS, own headers. */
const GUIDE_FILE = `# Traefik dynamic configuration (file provider)
http:
  routers:
    nas:
      entryPoints:
        - "websecure"
      rule: "Host(\`nas.example.com\`)"
      middlewares:
        - default-security-headers
      tls:
        certResolver: cloudflare
      service: nas

  services:
    nas:
      loadBalancer:
        servers:
          - url: "http://192.168.1.10:5000"
        passHostHeader: true

  middlewares:
    https-redirectscheme:
      redirectScheme:
        scheme: https
        permanent: true
    default-security-headers:
      headers:
        browserXssFilter: true # X-XSS-Protection=1; mode=block
        contentTypeNosniff: true # X-Content-Type-Options=nosniff
        forceSTSHeader: true
        frameDeny: true
        referrerPolicy: 'same-origin'
        stsIncludeSubdomains: true
        stsPreload: true
        stsSeconds:   15552000   # 180 days

tls:
  options:
    default:
      minVersion: VersionTLS12
`

const r2 = managedMiddlewares({ include: ['r2'] })
const r10 = managedMiddlewares({ include: ['r2', 'r10'] })

function caughtSync(run: () => unknown): GatehouseError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(GatehouseError)
    return error as GatehouseError
  }
  throw new Error('expected a GatehouseError')
}

describe('merge into dynamic_config.yml (examples)', () => {
  test('the guide’s file gets authentik-auth and the authentik chain after its own middlewares, nothing else moves', () => {
    const { text, changes } = merge(GUIDE_FILE, r2)
    expect(changes).toEqual([
      { middleware: 'authentik-auth', action: 'create' },
      { middleware: 'authentik', action: 'create' },
    ])
    const lastLine = '        stsSeconds:   15552000   # 180 days'
    const at = GUIDE_FILE.indexOf(lastLine) + lastLine.length
    // Exactly one insertion, right after the last middleware, everything else identical.
    expect(text.slice(0, at)).toBe(GUIDE_FILE.slice(0, at))
    expect(text.endsWith(GUIDE_FILE.slice(at))).toBe(true)
    const inserted = text.slice(at, text.length - (GUIDE_FILE.length - at))
    expect(inserted).toBe(
      [
        '',
        '    authentik-auth:',
        '      forwardAuth:',
        '        # Match base url to authentik server container name',
        '        address: http://authentik-server:9000/outpost.goauthentik.io/auth/traefik',
        '        trustForwardHeader: true',
        '        authResponseHeaders:',
        '          - X-authentik-username',
        '          - X-authentik-groups',
        '          - X-authentik-email',
        '          - X-authentik-name',
        '          - X-authentik-uid',
        '          - X-authentik-jwt',
        '          - X-authentik-meta-jwks',
        '          - X-authentik-meta-outpost',
        '          - X-authentik-meta-provider',
        '          - X-authentik-meta-app',
        '          - X-authentik-meta-version',
        '    authentik:',
        '      chain:',
        '        middlewares:',
        '          - authentik-auth',
        '          - default-security-headers',
      ].join('\n'),
    )
    // Traefik's own schema accepts the merged file.
    const schema = JSON.parse(
      readFileSync(join(__dirname, '../fixtures/traefik/traefik-v3-file-provider.json'), 'utf8'),
    ) as object
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true)
    // Up to date now: the same text and nothing to do.
    const again = merge(text, r2)
    expect(again.text).toBe(text)
    expect(again.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged'])
    // R10 later adds its pair after R2's and leaves R2's alone.
    const withR10 = merge(text, r10)
    expect(withR10.changes.map((c) => c.action)).toEqual([
      'unchanged',
      'unchanged',
      'create',
      'create',
    ])
    expect(withR10.text.startsWith(text.slice(0, text.indexOf('\ntls:')))).toBe(true)
  })

  test('the admin’s own default-security-headers is never replaced by the suggested one', () => {
    const { text, changes } = merge(GUIDE_FILE, r2, { ifMissing: [suggestedSecurityHeaders()] })
    expect(changes.find((c) => c.middleware === 'default-security-headers')).toBeUndefined()
    expect(text).toContain("referrerPolicy: 'same-origin'")
    expect(middlewareNames(text)).toEqual([
      'https-redirectscheme',
      'default-security-headers',
      'authentik-auth',
      'authentik',
    ])
  })

  test('a stale authentik-auth is replaced in place; comments around it and its neighbours stay', () => {
    const file = [
      'http:',
      '  middlewares:',
      '    # Authentik, added by hand in 2024',
      '    authentik-auth:',
      '      forwardAuth:',
      '        address: http://authentik:9000/outpost.goauthentik.io/auth/traefik # old name',
      '        trustForwardHeader: true',
      '        authResponseHeaders: [X-authentik-username]',
      '        # - X-authentik-groups (maybe later)',
      '',
      '    # compression for everything',
      '    gzip: { compress: {} }',
      '',
    ].join('\n')
    const { text, changes } = merge(file, r2)
    expect(changes).toEqual([
      { middleware: 'authentik-auth', action: 'update' },
      { middleware: 'authentik', action: 'create' },
    ])
    const lines = text.split('\n')
    expect(lines.slice(0, 4)).toEqual(file.split('\n').slice(0, 4))
    expect(text).not.toContain('# old name')
    // The comment below the old body stays below the new body, the neighbour is byte-identical.
    expect(text).toContain(
      '          - X-authentik-meta-version\n        # - X-authentik-groups (maybe later)\n\n    # compression for everything\n    gzip: { compress: {} }\n    authentik:\n',
    )
  })

  test('Windows line breaks and 4-space indents are kept and used for the new lines', () => {
    const file =
      'http:\r\n    routers:\r\n        a:\r\n            rule: "Host(`a.example.com`)"\r\n            service: a\r\n'
    const { text } = merge(file, r2)
    expect(text.startsWith(file)).toBe(true)
    expect(
      text
        .split('\n')
        .slice(0, -1)
        .every((l) => l.endsWith('\r')),
    ).toBe(true)
    expect(text).toContain(
      '\r\n    middlewares:\r\n        authentik-auth:\r\n            forwardAuth:\r\n',
    )
  })

  test('an empty or missing file becomes a fresh document with only the middlewares', () => {
    for (const empty of [null, '', '\n']) {
      const { text, changes } = merge(empty, r2)
      expect(changes.every((c) => c.action === 'create')).toBe(true)
      expect(parse(text)).toEqual({
        http: { middlewares: Object.fromEntries(r2.map((e) => [e.name, e.value])) },
      })
    }
  })

  test('a file that is not valid YAML is refused with the line and column of the problem', () => {
    const broken = 'http:\n  middlewares:\n    a: {headers: {x: 1}\n  routers: {}\n'
    const error = caughtSync(() => merge(broken, r2))
    expect(error.code).toBe('TRAEFIK_CONFIG_INVALID')
    expect(error.message).toMatch(/not valid YAML at line \d+, column \d+: \S/)
    expect(error.details).toMatchObject({ reason: 'syntax', line: expect.any(Number) })
    expect(error.hint).toMatch(/Fix dynamic_config.yml first/)
    const duplicate = caughtSync(() => merge('http: {}\nhttp: {}\n', r2))
    expect(duplicate.message).toMatch(/line 2, column 1: Map keys must be unique/)
  })

  test('several YAML documents in one file are refused', () => {
    const error = caughtSync(() => merge('http:\n  routers: {}\n---\ntls: {}\n', r2))
    expect(error.code).toBe('TRAEFIK_CONFIG_INVALID')
    expect(error.details).toMatchObject({ reason: 'multi-document', documents: 2 })
  })

  test('an http or http.middlewares that is not a mapping is refused, naming it', () => {
    for (const [file, path] of [
      ['http: [a, b]\n', 'http'],
      ['http: yes\n', 'http'],
      ['http:\n  middlewares:\n    - authentik\n', 'http.middlewares'],
      ['- http\n', ''],
    ] as const) {
      const error = caughtSync(() => merge(file, r2))
      expect(error.code).toBe('TRAEFIK_CONFIG_INVALID')
      expect(error.details).toMatchObject({ reason: 'not-a-mapping', path })
    }
  })

  test('a flow-style http.middlewares is refused instead of being reformatted', () => {
    const error = caughtSync(() => merge('http:\n  middlewares: {gzip: {compress: {}}}\n', r2))
    expect(error.details).toMatchObject({ reason: 'flow-style', path: 'http.middlewares' })
  })

  test('a managed middleware whose anchor is used elsewhere is not replaced', () => {
    const file = [
      'http:',
      '  middlewares:',
      '    authentik-auth: &fa',
      '      forwardAuth: {address: "http://old:9000/outpost.goauthentik.io/auth/traefik"}',
      '    copy: *fa',
      '',
    ].join('\n')
    const error = caughtSync(() => merge(file, r2))
    expect(error.details).toMatchObject({ reason: 'anchor-in-use', middleware: 'authentik-auth' })
  })
})
