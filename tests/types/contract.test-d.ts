/**
 * Type-level proof that every door into Gatehouse exposes exactly the contract: the preload's
 * bridge, the browser host's client and the CLI's in-process bridge all have the contract's
 * bridge type, and the typed client mirrors the contract method for method.
 */
import { describe, expectTypeOf, test } from 'vitest'
import type { createClient, GatehouseClient } from '../../src/shared/client'
import type {
  AppInfo,
  Domain,
  DockerEngineInfo,
  DockerStatus,
  GatehouseBridge,
  InputOf,
  MethodName,
  OutputOf,
  PayloadOf,
  Topic,
} from '../../src/shared/contract'
import type { Envelope } from '../../src/shared/errors'
import type { Handlers } from '../../src/main/core/dispatcher'
import type { createLocalBridge } from '../../src/main/core/local-bridge'
import type { runCli } from '../../src/main/hosts/cli/cli'
import type { bridge as preloadBridge } from '../../src/preload/index'
import type { createBrowserBridge } from '../../src/renderer/src/transport/browser-bridge'

describe('one contract, three hosts', () => {
  test('the preload exposes exactly the bridge type', () => {
    expectTypeOf<typeof preloadBridge>().toEqualTypeOf<GatehouseBridge>()
  })

  test('the browser host client is the same bridge', () => {
    expectTypeOf<ReturnType<typeof createBrowserBridge>>().toEqualTypeOf<GatehouseBridge>()
  })

  test('the CLI calls through the same bridge', () => {
    expectTypeOf<ReturnType<typeof createLocalBridge>>().toEqualTypeOf<GatehouseBridge>()
    expectTypeOf<Parameters<typeof runCli>[1]>().toEqualTypeOf<GatehouseBridge>()
  })

  test('the typed client is built from any bridge and mirrors the contract', () => {
    expectTypeOf<Parameters<typeof createClient>[0]>().toEqualTypeOf<GatehouseBridge>()
    expectTypeOf<Exclude<keyof GatehouseClient, 'on'>>().toEqualTypeOf<Domain>()
    expectTypeOf<ReturnType<GatehouseClient['app']['info']>>().toEqualTypeOf<Promise<AppInfo>>()
    expectTypeOf<ReturnType<GatehouseClient['docker']['ping']>>().toEqualTypeOf<
      Promise<DockerEngineInfo>
    >()
  })

  test('handlers must implement every method, no more', () => {
    expectTypeOf<keyof Handlers>().toEqualTypeOf<Domain>()
    expectTypeOf<keyof Handlers['docker']>().toEqualTypeOf<'ping'>()
    expectTypeOf<keyof Handlers['stack']>().toEqualTypeOf<keyof GatehouseClient['stack']>()
  })

  test('method names, inputs, outputs and events are typed end to end', () => {
    expectTypeOf<
      'app.info' | 'docker.ping' | 'stack.up' | 'secrets.status'
    >().toExtend<MethodName>()
    expectTypeOf<InputOf<'docker.ping'>>().toEqualTypeOf<Record<string, never>>()
    expectTypeOf<OutputOf<'app.info'>>().toEqualTypeOf<AppInfo>()
    expectTypeOf<Topic>().toEqualTypeOf<
      | 'docker.status'
      | 'stack.progress'
      | 'stack.logs'
      | 'authentik.progress'
      | 'recipes.progress'
      | 'integrations.progress'
    >()
    expectTypeOf<PayloadOf<'docker.status'>>().toEqualTypeOf<DockerStatus>()
    const bridge = {} as GatehouseBridge
    expectTypeOf(bridge.invoke('app.info', {})).toEqualTypeOf<Promise<Envelope<AppInfo>>>()
  })

  test('a wrong method name or input does not compile', () => {
    const bridge = {} as GatehouseBridge
    // @ts-expect-error not a method of the contract
    void (() => bridge.invoke('docker.rm', {}))
    // @ts-expect-error app.info takes no fields
    void (() => bridge.invoke('app.info', { force: true }))
    // @ts-expect-error a secret name outside the closed list
    void (() => bridge.invoke('secrets.reveal', { name: 'anything' }))
  })
})
