import { describe, expect, test, vi } from 'vitest'
import { createClient } from '../../src/shared/client'
import { contract } from '../../src/shared/contract'
import { GatehouseError } from '../../src/shared/errors'
import { createDispatcher, type Handlers } from '../../src/main/core/dispatcher'
import { createEventBus } from '../../src/main/core/event-bus'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { forgetInOperation, oncePerOperation } from '../../src/main/core/operation'

const engine = {
  version: '99.1',
  apiVersion: '1.41',
  os: 'linux',
  arch: 'amd64',
  endpoint: '/x.sock',
}

/** Every method of the contract, each failing loudly unless a test provides it. */
function unimplemented(): Record<string, Record<string, () => Promise<never>>> {
  return Object.fromEntries(
    Object.entries(contract).map(([domain, methods]) => [
      domain,
      Object.fromEntries(
        Object.keys(methods).map((m) => [
          m,
          async () => {
            throw new Error(`${domain}.${m} is not part of this test`)
          },
        ]),
      ),
    ]),
  )
}

function handlers(overrides: Partial<Handlers['docker']> = {}): Handlers {
  return {
    ...(unimplemented() as unknown as Handlers),
    app: {
      info: async () => ({
        name: 'gatehouse',
        version: '0.0.0',
        host: 'cli',
        platform: 'linux',
        arch: 'x64',
        nodeVersion: '20',
        electronVersion: null,
        dataDir: '/tmp/gh',
      }),
    },
    docker: { ping: async () => engine, ...overrides },
  }
}

const ctx = { host: 'cli' } as const

describe('dispatcher', () => {
  test('calls the service with parsed input and returns its result', async () => {
    const d = createDispatcher(handlers())
    await expect(d.invoke('docker.ping', {}, ctx)).resolves.toEqual({ ok: true, value: engine })
  })

  test('treats a missing input as an empty object', async () => {
    const d = createDispatcher(handlers())
    expect((await d.invoke('docker.ping', undefined, ctx)).ok).toBe(true)
  })

  test.each([['docker.rm'], ['__proto__.x'], ['constructor'], [42], [null]])(
    'rejects the unknown method %s without calling anything',
    async (method) => {
      const d = createDispatcher(handlers())
      const result = await d.invoke(method, {}, ctx)
      expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } })
    },
  )

  test('validates input before a service sees it, naming the field', async () => {
    const ping = vi.fn(async () => engine)
    const d = createDispatcher(handlers({ ping }))
    const result = await d.invoke('docker.ping', { force: true }, ctx)
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } })
    if (!result.ok) expect(result.error.message).toContain('force')
    expect(ping).not.toHaveBeenCalled()
  })

  test('passes typed service errors through as data', async () => {
    const d = createDispatcher(
      handlers({
        ping: async () => {
          throw new GatehouseError({
            code: 'DOCKER_UNREACHABLE',
            message: 'down',
            hint: 'start it',
          })
        },
      }),
    )
    await expect(d.invoke('docker.ping', {}, ctx)).resolves.toEqual({
      ok: false,
      error: { code: 'DOCKER_UNREACHABLE', message: 'down', hint: 'start it' },
    })
  })

  test('hides unexpected errors behind INTERNAL and reports them to the host', async () => {
    const onInternalError = vi.fn()
    const d = createDispatcher(
      handlers({
        ping: async () => {
          throw new Error('secret-value-in-a-stack-trace')
        },
      }),
      { onInternalError },
    )
    const result = await d.invoke('docker.ping', {}, ctx)
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
    expect(JSON.stringify(result)).not.toContain('secret-value')
    expect(onInternalError).toHaveBeenCalledOnce()
  })

  test('strips result fields the contract does not declare', async () => {
    const d = createDispatcher(
      handlers({ ping: async () => ({ ...engine, password: 'hunter2' }) as typeof engine }),
    )
    const result = await d.invoke('docker.ping', {}, ctx)
    expect(JSON.stringify(result)).not.toContain('hunter2')
  })

  test('a result that breaks the contract is an INTERNAL error, not a half-typed value', async () => {
    const d = createDispatcher(
      handlers({ ping: async () => ({ version: 1 }) as unknown as typeof engine }),
    )
    expect(await d.invoke('docker.ping', {}, ctx)).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    })
  })

  test('refuses to start with a method left unimplemented', () => {
    const partial = { ...handlers(), docker: {} } as unknown as Handlers
    expect(() => createDispatcher(partial)).toThrow(/docker\.ping/)
  })
})

describe('domains loaded on first use', () => {
  test('a domain given as a loader is loaded by its first call only, and only once', async () => {
    const load = vi.fn(async () => ({ ping: async () => engine }))
    const d = createDispatcher({ ...handlers(), docker: load })
    await expect(d.invoke('app.info', {}, ctx)).resolves.toMatchObject({ ok: true })
    expect(load).not.toHaveBeenCalled()
    const [a, b] = await Promise.all([
      d.invoke('docker.ping', {}, ctx),
      d.invoke('docker.ping', {}, ctx),
    ])
    expect(a).toEqual({ ok: true, value: engine })
    expect(b).toEqual({ ok: true, value: engine })
    await d.invoke('docker.ping', {}, ctx)
    expect(load).toHaveBeenCalledTimes(1)
  })

  test('a failed load is an INTERNAL error for that call and is retried by the next', async () => {
    const onInternalError = vi.fn()
    let attempt = 0
    const d = createDispatcher(
      {
        ...handlers(),
        docker: async () => {
          attempt += 1
          if (attempt === 1) throw new Error('module not found')
          return { ping: async () => engine }
        },
      },
      { onInternalError },
    )
    await expect(d.invoke('docker.ping', {}, ctx)).resolves.toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    })
    expect(onInternalError).toHaveBeenCalledOnce()
    await expect(d.invoke('docker.ping', {}, ctx)).resolves.toEqual({ ok: true, value: engine })
  })

  test('a loaded domain missing a method fails its calls instead of calling undefined', async () => {
    const d = createDispatcher({
      ...handlers(),
      docker: async () => ({}) as unknown as Handlers['docker'],
    })
    await expect(d.invoke('docker.ping', {}, ctx)).resolves.toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    })
  })

  test('each call is one operation: a value read in it is read once, and afresh by the next call', async () => {
    let reads = 0
    const readToken = () => oncePerOperation('token', async () => `token-${++reads}`)
    const d = createDispatcher(
      handlers({
        ping: async () => {
          const first = await readToken()
          const again = await readToken()
          forgetInOperation('token', 'written')
          const afterWrite = await readToken()
          return { ...engine, version: `${first}/${again}/${afterWrite}` }
        },
      }),
    )
    await expect(d.invoke('docker.ping', {}, ctx)).resolves.toMatchObject({
      value: { version: 'token-1/token-1/written' },
    })
    await expect(d.invoke('docker.ping', {}, ctx)).resolves.toMatchObject({
      value: { version: 'token-2/token-2/written' },
    })
    // Outside any call nothing is remembered.
    await readToken()
    await readToken()
    expect(reads).toBe(4)
  })
})

describe('typed client over a bridge', () => {
  test('returns values and rethrows errors as GatehouseError with code and hint', async () => {
    let fail = false
    const d = createDispatcher(
      handlers({
        ping: async () => {
          if (fail)
            throw new GatehouseError({ code: 'DOCKER_UNREACHABLE', message: 'm', hint: 'h' })
          return engine
        },
      }),
    )
    const client = createClient(createLocalBridge(d, createEventBus(), ctx))
    await expect(client.docker.ping()).resolves.toEqual(engine)
    fail = true
    const error = await client.docker.ping().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GatehouseError)
    expect(error).toMatchObject({ code: 'DOCKER_UNREACHABLE', message: 'm', hint: 'h' })
  })
})

describe('event bus', () => {
  test('delivers validated payloads and tells producers when listeners come and go', () => {
    const bus = createEventBus()
    const activity: boolean[] = []
    bus.onActive('docker.status', (active) => activity.push(active))
    const seen: unknown[] = []
    const off = bus.subscribe('docker.status', (p) => seen.push(p))
    const status = { state: 'up', engine, checkedAt: 'now' } as const
    bus.emit('docker.status', status)
    off()
    off()
    bus.emit('docker.status', status)
    expect(seen).toEqual([status])
    expect(activity).toEqual([true, false])
  })

  test('a producer that starts watching while listeners are already there is started at once', () => {
    const bus = createEventBus()
    const off = bus.subscribe('docker.status', () => {})
    const activity: boolean[] = []
    bus.onActive('docker.status', (active) => activity.push(active))
    off()
    expect(activity).toEqual([true, false])
  })

  test('refuses unknown topics and payloads that break the contract', () => {
    const bus = createEventBus()
    expect(() => bus.subscribe('docker.nope', () => {})).toThrow()
    expect(() => bus.emit('docker.status', { state: 'sideways' } as never)).toThrow()
  })

  test('one throwing listener does not starve the others', () => {
    const bus = createEventBus()
    const seen: unknown[] = []
    bus.subscribe('docker.status', () => {
      throw new Error('closed window')
    })
    bus.subscribe('docker.status', (p) => seen.push(p))
    bus.emit('docker.status', { state: 'up', engine, checkedAt: 'now' })
    expect(seen).toHaveLength(1)
  })
})

describe('preload', () => {
  test('loads every lazy domain once; a failing one is left for its first call', async () => {
    const load = vi.fn(async () => ({ ping: async () => engine }))
    const broken = vi.fn(async (): Promise<Handlers['app']> => {
      throw new Error('cannot load')
    })
    const d = createDispatcher({ ...handlers(), docker: load, app: broken })
    await d.preload()
    await d.preload()
    expect(load).toHaveBeenCalledTimes(1)
    await expect(d.invoke('docker.ping', {}, ctx)).resolves.toEqual({ ok: true, value: engine })
    expect(load).toHaveBeenCalledTimes(1)
    await expect(d.invoke('app.info', {}, ctx)).resolves.toMatchObject({ ok: false })
    expect(broken).toHaveBeenCalledTimes(3)
  })
})
