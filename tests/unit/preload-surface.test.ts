/**
 * The preload as Electron would run it: src/preload bundled to one CommonJS file (as
 * electron-vite ships it), run in a bare `vm` context whose `require` knows only a recording
 * `electron` module. What it hands to contextBridge is all a page can ever reach.
 */
import fc from 'fast-check'
import { resolve } from 'node:path'
import { createContext, runInContext } from 'node:vm'
import { build, type Rolldown } from 'vite'
import { beforeAll, describe, expect, test } from 'vitest'
import { methodNames, topics } from '../../src/shared/contract'

interface Loaded {
  exposed: Map<string, unknown>
  invokes: unknown[][]
  sends: unknown[][]
  /** Listeners the preload registered on ipcRenderer.on, by channel. */
  on: Map<string, (...args: unknown[]) => void>
  ipcRenderer: object
  requireFn: object
  requested: string[]
}

let bundle = ''

async function bundlePreload(): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: resolve('src/preload/index.ts'), formats: ['cjs'], fileName: 'index' },
      rolldownOptions: { external: ['electron'] },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[]
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output)
  const entry = chunks.find((c): c is Rolldown.OutputChunk => c.type === 'chunk' && c.isEntry)
  if (!entry) throw new Error('vite produced no preload chunk')
  return entry.code
}

/** Runs the bundle with a fake electron; no process, no Node require, no globals but the bare JS ones. */
function loadPreload(): Loaded {
  const loaded: Loaded = {
    exposed: new Map(),
    invokes: [],
    sends: [],
    on: new Map(),
    ipcRenderer: {},
    requireFn: {},
    requested: [],
  }
  const ipcRenderer = {
    invoke: (...args: unknown[]) => {
      loaded.invokes.push(args)
      return Promise.resolve({ ok: true, value: 'from-main' })
    },
    send: (...args: unknown[]) => void loaded.sends.push(args),
    on: (channel: string, fn: (...args: unknown[]) => void) => void loaded.on.set(channel, fn),
  }
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => void loaded.exposed.set(key, api),
    },
    ipcRenderer,
  }
  const requireFn = (name: string) => {
    loaded.requested.push(name)
    if (name === 'electron') return electron
    throw new Error(`a sandboxed preload cannot require ${name}`)
  }
  loaded.ipcRenderer = ipcRenderer
  loaded.requireFn = requireFn
  const module = { exports: {} }
  const context = createContext({ require: requireFn, module, exports: module.exports })
  runInContext(bundle, context, { filename: 'preload/index.cjs' })
  return loaded
}

/** Every value reachable from `root` through own properties and prototypes. */
function reachable(root: unknown): Set<unknown> {
  const seen = new Set<unknown>()
  const walk = (value: unknown) => {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return
    if (seen.has(value)) return
    seen.add(value)
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!
      // Function.prototype.caller/arguments throw in strict mode; they hold nothing of ours.
      if ('value' in descriptor) walk(descriptor.value)
    }
    walk(Object.getPrototypeOf(value))
  }
  walk(root)
  return seen
}

describe('preload surface (built from src/preload, run in a bare vm context)', () => {
  beforeAll(async () => {
    bundle = await bundlePreload()
  }, 60_000)

  test('the bundle needs nothing but electron, and exposes exactly window.gatehouse', () => {
    const loaded = loadPreload()
    expect(loaded.requested).toEqual(['electron'])
    expect([...loaded.exposed.keys()]).toEqual(['gatehouse'])
    const api = loaded.exposed.get('gatehouse') as Record<string, unknown>
    expect(Object.keys(api).sort()).toEqual(['invoke', 'subscribe'])
    expect(Reflect.ownKeys(api).sort()).toEqual(['invoke', 'subscribe'])
    expect(typeof api.invoke).toBe('function')
    expect(typeof api.subscribe).toBe('function')
    // It listens on the one event channel and nothing else.
    expect([...loaded.on.keys()]).toEqual(['gatehouse:event'])
  })

  test('no ipcRenderer, require or process is reachable from the exposed object', () => {
    const loaded = loadPreload()
    const graph = reachable(loaded.exposed.get('gatehouse'))
    expect(graph.has(loaded.ipcRenderer)).toBe(false)
    expect(graph.has(loaded.requireFn)).toBe(false)
    expect(graph.has(process)).toBe(false)
    // Nothing shaped like an IPC handle either (a wrapper around it would be just as bad).
    for (const value of graph)
      for (const verb of ['send', 'sendSync', 'postMessage', 'on', 'emit'])
        expect(Object.prototype.hasOwnProperty.call(value, verb)).toBe(false)
  })

  test('every contract method reaches main over the one invoke channel, unchanged', async () => {
    const loaded = loadPreload()
    const api = loaded.exposed.get('gatehouse') as {
      invoke(method: unknown, input: unknown): Promise<unknown>
    }
    for (const method of methodNames) {
      const input = { probe: method }
      expect(await api.invoke(method, input)).toEqual({ ok: true, value: 'from-main' })
    }
    expect(loaded.invokes).toEqual(
      methodNames.map((method) => ['gatehouse:invoke', method, { probe: method }]),
    )
  })

  test('a name outside the contract is refused without reaching ipcRenderer', async () => {
    const loaded = loadPreload()
    const api = loaded.exposed.get('gatehouse') as {
      invoke(method: unknown, input: unknown): Promise<{ ok: boolean; error?: { code: string } }>
    }
    const outside = fc.oneof(
      fc.string({ maxLength: 120 }).filter((s) => !(methodNames as readonly string[]).includes(s)),
      fc.constantFrom(
        'docker.rm',
        'secrets.dump',
        '__proto__',
        'constructor',
        'app.info.constructor',
        'app.__proto__',
        ' app.info',
        'APP.INFO',
      ),
      fc.anything(),
    )
    let tried = 0
    await fc.assert(
      fc.asyncProperty(outside, fc.anything(), async (method, input) => {
        tried++
        const answer = await api.invoke(method, input)
        expect(answer).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } })
      }),
      { numRuns: 300 },
    )
    expect(tried).toBeGreaterThanOrEqual(300)
    expect(loaded.invokes).toEqual([])
  })

  test('subscribe: contract topics only, listeners get the payload and never the IPC event', () => {
    const loaded = loadPreload()
    const api = loaded.exposed.get('gatehouse') as {
      subscribe(topic: unknown, listener: (...args: unknown[]) => void): () => void
    }
    const off = api.subscribe('secrets.dump', () => {})
    off()
    expect(loaded.sends).toEqual([])

    const topic = topics[0]!
    const received: unknown[][] = []
    const stop = api.subscribe(topic, (...args) => received.push(args))
    expect(loaded.sends).toEqual([['gatehouse:subscribe', topic]])
    // Electron's IpcRendererEvent carries `sender` (the ipcRenderer itself): it must not pass.
    loaded.on.get('gatehouse:event')!({ sender: loaded.ipcRenderer }, topic, { state: 'up' })
    expect(received).toEqual([[{ state: 'up' }]])
    stop()
    expect(loaded.sends).toEqual([
      ['gatehouse:subscribe', topic],
      ['gatehouse:unsubscribe', topic],
    ])
  })
})
