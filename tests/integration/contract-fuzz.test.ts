/**
 * Every contract method, fuzzed through the real browser host: wrong types, 1 MB strings, deep
 * nesting, prototype-pollution keys, path traversal and control characters in every string field,
 * odd numbers — and, from each method's own input schema, plausible values that reach the
 * services. The methods come from `methodNames`, so a method added later is fuzzed without a
 * change here.
 *
 * Nothing here may touch the real machine: the Docker endpoint is a dead TCP port (so no
 * container is ever started or stopped, and no bind-mount folder is created), secrets live in
 * memory, Authentik is the schema-checked fake, and every path the fuzzer makes up either names
 * a place that cannot be created or lies under this run's sandbox and carries its marker.
 */
import fc from 'fast-check'
import { randomBytes, randomUUID } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { request } from 'node:http'
import { homedir, tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startBrowserHost, type BrowserHost } from '../../src/main/hosts/browser/server'
import type { Services } from '../../src/main/services'
import { methodNames, specOf, type MethodName } from '../../src/shared/contract'
import { GatehouseErrorData } from '../../src/shared/errors'
import type { FakeAuthentik } from '../fakes/authentik/server'
import {
  startGatehouseAgainstFake,
  type GatehouseAgainstFake,
} from '../support/gatehouse-against-fake'

/** Random inputs per method, on top of the path examples. Override to fuzz harder. */
const RUNS = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? 40)
/** Most time one method may take; with the examples first, each method still gets dozens. */
const BUDGET_MS = Number(process.env.GATEHOUSE_FUZZ_BUDGET_MS ?? 4000)
const DEAD_DOCKER = 'tcp://127.0.0.1:1'
const BOOTSTRAP_TOKEN = 'fuzz-bootstrap-' + randomBytes(24).toString('hex')
const MARKER = 'ghfz' + randomBytes(4).toString('hex')

const root = mkdtempSync(join(tmpdir(), 'gh-fuzz-'))
const dataDir = join(root, 'data')
const sandbox = join(root, 'sandbox')
const staticDir = join(root, 'static')
mkdirSync(sandbox)
mkdirSync(staticDir)
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Gatehouse</title>')

// ---------------------------------------------------------------------------------------------
// Adversarial values

const MB = 'A'.repeat(1024 * 1024)
const pathStrings = [
  '../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '/etc/passwd',
  '/dev/null',
  '/proc/self/environ',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%2f..%2f' + MARKER,
  `..${sep}${MARKER}`,
  `./${MARKER}`,
  `~/${MARKER}`,
  MARKER,
  `${MARKER}\u0000.txt`,
  `/etc/passwd\u0000${MARKER}`,
  'file:///etc/passwd',
  `C:\\${MARKER}`,
  `\\\\?\\C:\\${MARKER}`,
  // Absolute, inside the sandbox, climbing out of it: must be refused, never written.
  `${sandbox}/in-${MARKER}/../../../${MARKER}`,
  `${sandbox}/./in-${MARKER}/..`,
  `${sandbox}/nl-${MARKER}\n`,
  `${sandbox}/ctl-${MARKER}\u0007`,
  `${sandbox}/rtl-${MARKER}\u202egpj.exe`,
  // Absolute, inside the sandbox, clean: a legitimate export target.
  `${sandbox}/ok-${MARKER}`,
]
const nameStrings = [
  '',
  ' ',
  'a\u0000b',
  'line\r\nbreak',
  'tab\there',
  'bell\u0007',
  'esc\u001b[31mred',
  'del\u007f',
  'rtl\u202eevil',
  'zero\u200bwidth',
  'bom\ufeff',
  '\ud800',
  '😀👨‍👩‍👧',
  '<script>alert(1)</script>',
  "'; DROP TABLE users; --",
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'x'.repeat(300),
  'admin@example.test',
  'fuzz@example.test',
]
const numbers = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.5,
  1e308,
  -1e308,
  1e-308,
  2 ** 53,
  -(2 ** 53),
  2 ** 31,
  2 ** 32,
  1e21,
  Number.NaN,
  Number.POSITIVE_INFINITY,
]
const dangerousKeys = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']

const adversarialString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...pathStrings) },
  { weight: 4, arbitrary: fc.constantFrom(...nameStrings) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.constant(MB) },
)
const adversarialNumber = fc.oneof(fc.constantFrom(...numbers), fc.double())

/** An object whose own keys may be `__proto__` & co. (set with defineProperty, as JSON.parse does). */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of entries)
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  return out
}

const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    adversarialString,
    adversarialNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...dangerousKeys), fc.string({ maxLength: 8 })),
          tie('value'),
        ),
        { maxLength: 4 },
      )
      .map(objectOf),
  ),
})).value

/** 2000 levels of arrays or objects: parsers and validators must not blow the stack. */
const deep = fc.constantFrom('array', 'object').map((kind) => {
  let value: unknown = 'bottom'
  for (let i = 0; i < 2000; i++) value = kind === 'array' ? [value] : { a: value }
  return value
})

// ---------------------------------------------------------------------------------------------
// Inputs shaped like each method's schema (from zod's JSON Schema), with adversarial leaves

type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  default?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  format?: string
  pattern?: string
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
}

function patternArbitrary(pattern: string, maxLength: number | undefined) {
  try {
    const re = new RegExp(pattern)
    return fc.stringMatching(re).filter((s) => maxLength === undefined || s.length <= maxLength)
  } catch {
    return fc.string({ maxLength: 20 })
  }
}

/** A value of the type the schema asks for, often valid, sometimes just out of bounds. */
function plausible(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const branches = schema.anyOf ?? schema.oneOf
  if (branches?.length) return fc.oneof(...branches.map((b) => plausible(b, depth + 1)))
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum?.length) return fc.constantFrom(...schema.enum)
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'string':
      if (schema.format === 'email')
        return fc.constantFrom('fuzz@example.test', 'a.b+c@sub.example.test', 'no-at-sign')
      if (schema.format === 'uuid') return fc.oneof(fc.uuid(), fc.constant(randomUUID()))
      if (schema.format === 'date-time')
        return fc.constantFrom('2031-01-01T00:00:00Z', '1970-01-01T00:00:00Z', 'tomorrow')
      if (schema.pattern) return patternArbitrary(schema.pattern, schema.maxLength)
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? 40, 40),
      })
    case 'integer':
    case 'number': {
      // Close to the minimum: a valid `timeoutMs` must not make a call wait for minutes.
      const min = Math.max(schema.minimum ?? -1000, -1e6)
      const max = Math.min(schema.maximum ?? min + 2000, min + 2000)
      return fc.integer({ min: Math.ceil(min) - 1, max: Math.floor(max) + 1 })
    }
    case 'boolean':
      return fc.boolean()
    case 'array':
      return fc.array(schema.items && depth < 4 ? plausible(schema.items, depth + 1) : junk, {
        minLength: Math.min(schema.minItems ?? 0, 3),
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      })
    case 'object':
      return depth < 4 ? shaped(schema, depth + 1) : fc.constant({})
    default:
      return junk
  }
}

/** An object with the schema's own keys: plausible values, adversarial ones, wrong types, extras. */
function shaped(schema: JsonSchema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(schema.properties ?? {})
  const fields = props.map(([key, sub]) =>
    fc
      .option(
        fc.oneof(
          { weight: 3, arbitrary: plausible(sub, depth) },
          { weight: 2, arbitrary: adversarialString },
          { weight: 1, arbitrary: adversarialNumber },
          { weight: 1, arbitrary: junk },
        ),
        { nil: undefined, freq: 5 },
      )
      .map((value) => [key, value] as const),
  )
  const extras = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...dangerousKeys), fc.string({ maxLength: 8 })), junk),
    { maxLength: 2 },
  )
  return fc
    .tuple(fc.tuple(...fields), fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, extras))
    .map(([entries, extra]) =>
      objectOf([
        ...entries
          .filter((e): e is readonly [string, unknown] => e[1] !== undefined)
          .map(([k, v]) => [k, v] as [string, unknown]),
        ...(extra as [string, unknown][]),
      ]),
    )
}

function inputSchema(method: MethodName): JsonSchema {
  return z.toJSONSchema(specOf(method).input, { io: 'input', unrepresentable: 'any' }) as JsonSchema
}

/**
 * Always tried, beside the random inputs: every path-like string in every top-level field, so
 * each traversal case reaches each field at least once whatever the random draw.
 */
function pathExamples(method: MethodName): [unknown][] {
  const fields = Object.keys(inputSchema(method).properties ?? {})
  return fields.flatMap((field) => pathStrings.map((value) => [{ [field]: value }] as [unknown]))
}

function inputArbitrary(method: MethodName): fc.Arbitrary<unknown> {
  const schema = inputSchema(method)
  return fc.oneof(
    { weight: 6, arbitrary: shaped(schema) },
    { weight: 2, arbitrary: junk },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: fc.constantFrom(null, [], [{}], '', 0, true, 'app.info') },
  )
}

/**
 * A random string can be a valid absolute folder ("/ #x") that stack.export, as root, would
 * rightly write to. Every absolute-looking string the generators invent is therefore moved under
 * the sandbox (keeping its characters as the tail of the name); only the hand-picked pool, whose
 * absolute entries name things that cannot be created (/etc/passwd, /dev/null…), stays as is.
 */
const pooled = new Set<string>([...pathStrings, ...nameStrings])
function confine(value: unknown): unknown {
  if (typeof value === 'string') {
    if (pooled.has(value) || value.startsWith(sandbox + '/')) return value
    return /^(?:[\\/]|[A-Za-z]:)/.test(value) ? `${sandbox}/r-${MARKER}-${value}` : value
  }
  if (Array.isArray(value)) return value.map(confine)
  if (value && typeof value === 'object')
    return objectOf(Object.entries(value).map(([k, v]) => [k, confine(v)]))
  return value
}

// ---------------------------------------------------------------------------------------------
// The wire

interface Answer {
  status: number
  body: string
}

function post(port: number, token: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/invoke',
        method: 'POST',
        headers: {
          host: `127.0.0.1:${port}`,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')))
    req.on('error', reject)
    req.end(body)
  })
}

const Envelope = z.union([
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: GatehouseErrorData }),
])

// ---------------------------------------------------------------------------------------------
// What must not change

/** Files (path → size:mtime:mode) under `dir`, skipping the given subtrees. */
function tree(dir: string, skip: (path: string) => boolean): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (skip(full)) continue
      const st = statSync(full, { throwIfNoEntry: false })
      if (!st) continue
      out.set(full, `${st.isDirectory() ? 'dir' : st.size}:${st.mtimeMs}:${st.mode}`)
      if (entry.isDirectory()) walk(full)
    }
  }
  walk(dir)
  return out
}

/** Any entry whose name carries this run's marker, within `depth` levels of `dir`. */
function markerHits(dir: string, depth: number, skip: (name: string) => boolean): string[] {
  const hits: string[] = []
  const walk = (path: string, level: number) => {
    let entries
    try {
      entries = readdirSync(path, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const full = join(path, entry.name)
      if (full.startsWith(root + sep) || skip(entry.name)) continue
      if (entry.name.includes(MARKER)) hits.push(full)
      if (entry.isDirectory() && !entry.isSymbolicLink() && level < depth) walk(full, level + 1)
    }
  }
  walk(dir, 1)
  return hits
}

const exportNames = ['docker-compose.yml', '.env']
function exportFilesAround(): Map<string, number | null> {
  const out = new Map<string, number | null>()
  for (const dir of new Set([process.cwd(), homedir(), tmpdir(), '/', '/etc', '/tmp', sandbox]))
    for (const name of exportNames) {
      const path = join(dir, name)
      out.set(path, existsSync(path) ? statSync(path).mtimeMs : null)
    }
  return out
}

const prototypes = [Object.prototype, Array.prototype, Function.prototype, String.prototype]
const protoKeys = () => prototypes.map((p) => Reflect.ownKeys(p).map(String).sort().join(','))

// ---------------------------------------------------------------------------------------------

describe('the contract, fuzzed through the browser host', () => {
  let gatehouse: GatehouseAgainstFake
  let fake: FakeAuthentik
  let services: Services
  let host: BrowserHost
  const internalErrors: string[] = []
  const processErrors: unknown[] = []
  const onProcessError = (error: unknown) => processErrors.push(error)
  const tried = new Map<MethodName, { total: number; invalid: number; ok: number }>()
  /** Folders a successful stack.export wrote to: the one legitimate write outside the data dir. */
  const exportedTo = new Set<string>()
  let before: { protos: string[]; exports: Map<string, number | null> }
  const savedEnv = { DOCKER_HOST: process.env.DOCKER_HOST }

  const baseSettings = () => ({
    baseDomain: 'fuzz.example.test',
    adminEmail: 'admin@example.test',
    smtp: { host: 'smtp.example.test', port: 587, from: 'ak@example.test', tls: 'starttls' },
    dataFolder: join(root, 'authentik-data'),
    timezone: 'UTC',
    authentikUrl: '',
    docker: { endpoint: DEAD_DOCKER },
  })

  const invoke = async (method: unknown, input: unknown): Promise<Answer> =>
    post(host.port, host.token, JSON.stringify({ method, input }))

  const restoreSettings = async () => {
    const answer = await invoke('settings.save', { ...baseSettings(), authentikUrl: fake.url })
    expect(JSON.parse(answer.body)).toMatchObject({ ok: true })
  }

  beforeAll(async () => {
    process.on('unhandledRejection', onProcessError)
    process.on('uncaughtException', onProcessError)
    // Belt and braces: nothing may fall back to the machine's real engine.
    process.env.DOCKER_HOST = DEAD_DOCKER
    before = { protos: protoKeys(), exports: exportFilesAround() }
    gatehouse = await startGatehouseAgainstFake({
      fake: {
        version: '2026.8.3',
        bootstrapToken: BOOTSTRAP_TOKEN,
        bootstrapPassword: 'fuzz-bootstrap-password-123456',
      },
      dataDir,
      settings: null,
      services: {
        host: 'browser',
        dockerEndpoint: DEAD_DOCKER,
        statusIntervalMs: 60_000,
        healthTimeoutMs: 2000,
        onInternalError: (method, error) => internalErrors.push(`${method}: ${String(error)}`),
      },
    })
    ;({ fake, services } = gatehouse)
    host = await startBrowserHost({
      dispatcher: services.dispatcher,
      bus: services.bus,
      staticDir,
      // A 1 MB string plus JSON quoting must reach the dispatcher, not stop at the size limit.
      maxMessageBytes: 8 * 1024 * 1024,
    })
    await restoreSettings()
  })

  afterAll(async () => {
    process.off('unhandledRejection', onProcessError)
    process.off('uncaughtException', onProcessError)
    if (savedEnv.DOCKER_HOST === undefined) delete process.env.DOCKER_HOST
    else process.env.DOCKER_HOST = savedEnv.DOCKER_HOST
    await host?.close()
    await gatehouse?.close()
    const total = [...tried.values()].reduce((sum, t) => sum + t.total, 0)
    const lines = [...tried].map(
      ([m, t]) => `  ${m.padEnd(32)} ${t.total} inputs (${t.invalid} invalid, ${t.ok} ok)`,
    )
    console.log(`contract fuzz: ${total} inputs over ${tried.size} methods\n${lines.join('\n')}`)
    rmSync(root, { recursive: true, force: true })
  })

  test.each(methodNames.map((m) => [m]))(
    '%s: every answer is a typed envelope, invalid input is VALIDATION_FAILED',
    async (method) => {
      const stats = { total: 0, invalid: 0, ok: 0 }
      tried.set(method, stats)
      const spec = specOf(method)
      const examples = pathExamples(method)
      await fc.assert(
        fc.asyncProperty(inputArbitrary(method).map(confine), async (input) => {
          stats.total++
          const body = JSON.stringify({ method, input })
          // What the host sees is the JSON round trip (NaN → null, -0 → 0, own __proto__ keys).
          const sent = (JSON.parse(body) as { input?: unknown }).input
          const valid = spec.input.safeParse(sent ?? {}).success
          const answer = await post(host.port, host.token, body)

          expect(answer.status, answer.body.slice(0, 300)).toBe(200)
          const envelope = Envelope.parse(JSON.parse(answer.body))
          if (!envelope.ok) {
            expect(envelope.error.code, envelope.error.message).not.toBe('INTERNAL')
          } else stats.ok++
          if (!valid) {
            stats.invalid++
            expect(envelope).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } })
          }
          if (envelope.ok && method === 'stack.export') {
            const value = envelope.value as { composeFile: string }
            exportedTo.add(join(value.composeFile, '..'))
          }
          // A fuzzed settings.save that passed must not steer the next calls (a real engine
          // endpoint, a data folder somewhere on the disk): put the safe settings back.
          if (envelope.ok && method === 'settings.save') await restoreSettings()
        }),
        // fast-check counts the examples as runs: add them on top of the random ones.
        {
          numRuns: RUNS + examples.length,
          endOnFailure: true,
          examples,
          // A method that is slow on valid input (a recipe status walks Authentik) stops early
          // rather than stretch the suite; the count of inputs tried is reported either way.
          interruptAfterTimeLimit: BUDGET_MS,
          markInterruptAsFailure: false,
        },
      )

      // The host still answers, and nothing leaked into the shared prototypes.
      const health = JSON.parse((await invoke('app.info', {})).body) as { ok: boolean }
      expect(health.ok).toBe(true)
      expect(protoKeys()).toEqual(before.protos)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      expect(internalErrors).toEqual([])
      expect(processErrors).toEqual([])
    },
  )

  test('stack.export refuses a climb out, a relative name or hidden characters, on the field', async () => {
    for (const folder of [
      `${sandbox}/in-${MARKER}/../../../${MARKER}`,
      `${sandbox}/./${MARKER}`,
      `C:\\${MARKER}`,
      `${sandbox}/nl-${MARKER}\n`,
      `${sandbox}/rtl-${MARKER}\u202egpj.exe`,
      `${sandbox}/${MARKER}\u0000`,
    ]) {
      const envelope = Envelope.parse(JSON.parse((await invoke('stack.export', { folder })).body))
      expect(envelope, JSON.stringify(folder)).toMatchObject({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          details: { issues: [{ path: 'folder', message: expect.any(String) }] },
        },
      })
    }
    // A clean absolute folder is the admin's choice and is written, .env with mode 0600. (The SMTP
    // password the fuzzing above stored may be one .env cannot carry: export refuses that.)
    for (const password of ['line\nbreak', 'nul\u0000', 'tab\there']) {
      const refused = Envelope.parse(
        JSON.parse((await invoke('secrets.setSmtpPassword', { password })).body),
      )
      expect(refused).toMatchObject({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          details: {
            issues: [{ path: 'password', message: expect.stringMatching(/line breaks/) }],
          },
        },
      })
    }
    expect(
      Envelope.parse(
        JSON.parse(
          (await invoke('secrets.setSmtpPassword', { password: 'plain-smtp-password-123' })).body,
        ),
      ),
    ).toMatchObject({ ok: true })
    const folder = join(sandbox, `chosen-${MARKER}`)
    const ok = Envelope.parse(JSON.parse((await invoke('stack.export', { folder })).body))
    expect(ok, JSON.stringify(ok)).toMatchObject({
      ok: true,
      value: { envFile: join(folder, '.env') },
    })
    expect(statSync(join(folder, '.env')).mode & 0o777).toBe(0o600)
    exportedTo.add(folder)
  })

  test('an unknown method name, fuzzed, is UNKNOWN_METHOD', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.constantFrom('__proto__', 'constructor', 'app.__proto__', 'app.info\u0000', MB),
          junk,
        ),
        async (method) => {
          fc.pre(!(methodNames as readonly unknown[]).includes(method))
          const envelope = Envelope.parse(JSON.parse((await invoke(method, {})).body))
          expect(envelope).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } })
        },
      ),
      { numRuns: 100 },
    )
  })

  test('no file was written outside the data folder (except the chosen export folders)', () => {
    // Inside this run's own folder: only the data dir, the settings' data folder and folders
    // a successful stack.export reported may hold anything new.
    const defaultExport = join(root, 'authentik-data', 'compose')
    const allowed = [dataDir, join(root, 'authentik-data'), staticDir, ...exportedTo]
    const outside = [...tree(root, () => false).keys()].filter(
      (path) => path !== sandbox && !allowed.some((a) => path === a || path.startsWith(a + sep)),
    )
    expect(outside.map((p) => relative(root, p))).toEqual([])
    for (const folder of exportedTo) {
      // A chosen export folder is a clean absolute path under the sandbox, never a climb out.
      expect(folder === defaultExport || folder.startsWith(sandbox + sep), folder).toBe(true)
      expect(folder).not.toMatch(/[\u0000-\u001f\u007f\u202e]/)
    }
    // Outside it: nothing carrying the marker, and no export files appeared anywhere near.
    const skipBig = (name: string) =>
      ['node_modules', '.git', '.cache', '.npm', 'proc', 'sys'].includes(name)
    expect([
      ...markerHits(tmpdir(), 3, skipBig),
      ...markerHits(process.cwd(), 3, skipBig),
      ...markerHits(homedir(), 2, skipBig),
      ...markerHits('/', 1, skipBig),
    ]).toEqual([])
    expect(exportFilesAround()).toEqual(before.exports)
    expect(fake.schemaViolations).toEqual([])
  })
})
