/**
 * Type-level proof that binding a service to the contract checks its shape both ways: a service
 * with a missing method, an extra method or a wrong result does not compile, for services bound as
 * they are (`fromService`) and for in-place adapters (`adapt`).
 */
import { describe, expectTypeOf, test } from 'vitest'
import { adapt, fromService } from '../../src/main/core/bind'
import type { DomainHandlers } from '../../src/main/core/dispatcher'

const engine = { version: '1', apiVersion: '1.41', os: 'linux', arch: 'amd64', endpoint: '/x' }

describe('fromService', () => {
  test('a service with exactly the domain methods binds', () => {
    const docker = { ping: async () => engine }
    expectTypeOf(fromService('docker', docker)).toEqualTypeOf<DomainHandlers<'docker'>>()
  })

  test('a missing method does not compile', () => {
    const empty = {}
    // @ts-expect-error docker.ping is missing
    fromService('docker', empty)
  })

  test('a method the contract does not declare does not compile', () => {
    const docker = { ping: async () => engine, followAll: async () => undefined }
    // @ts-expect-error followAll is not part of the docker domain
    fromService('docker', docker)
  })

  test('a result of the wrong shape does not compile', () => {
    const docker = { ping: async () => ({ version: 1 }) }
    // @ts-expect-error ping must return the engine info
    fromService('docker', docker)
  })
})

describe('adapt', () => {
  test('the literal is typed by the contract (inputs need no annotation)', () => {
    adapt('secrets', {
      status: async () => ({ available: true, backend: 'b', secrets: {} as never }),
      reveal: async ({ name }) => ({ name, value: 'v' }),
      setSmtpPassword: async ({ password }) => {
        expectTypeOf(password).toEqualTypeOf<string>()
        return { stored: true as const }
      },
    })
  })

  test('an extra or missing method does not compile', () => {
    // @ts-expect-error extra is not part of the docker domain
    adapt('docker', { ping: async () => engine, extra: async () => 1 })
    // @ts-expect-error docker.ping is missing
    adapt('docker', {})
  })
})
