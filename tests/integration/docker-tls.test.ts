import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createDockerEngine } from '../../src/main/docker/engine'
import { engineForSettings } from '../../src/main/docker/host-engine'
import { createMemoryStore } from '../../src/main/secrets/store'
import { caught } from '../support/caught'
import { startTlsDockerd, type TlsDockerd } from '../support/tls-dockerd'

/**
 * TCP with TLS (#15) against a real second dockerd with `--tlsverify` and certificates made by
 * openssl: the right CA and client pair work; a wrong CA or a missing/foreign client certificate
 * is refused with an error that says which side failed.
 */

let dockerd: TlsDockerd
/** The system engine's default bridge, which a second dockerd must leave alone. */
const docker0 = () => existsSync('/sys/class/net/docker0')
let hadDocker0 = false
const https = () => dockerd.address.replace(/^tcp:/, 'https:')
const pem = (path: string) => readFileSync(path, 'utf8')

beforeAll(async () => {
  hadDocker0 = docker0()
  dockerd = await startTlsDockerd()
}, 120_000)

afterAll(async () => {
  await dockerd?.dispose()
}, 60_000)

describe('tcp with TLS', () => {
  test('the second engine leaves the system engine’s docker0 bridge in place', () => {
    // dockerd --bridge=none deletes docker0 at start; every container test after it then fails.
    expect(hadDocker0).toBe(true)
    expect(docker0()).toBe(true)
  })

  test('the settings (CA and cert files, key in the keychain) reach the engine', async () => {
    const secrets = createMemoryStore()
    await secrets.set('host:tlsClientKey', pem(dockerd.keyFile))
    const engine = await engineForSettings({
      docker: {
        kind: 'tls',
        tls: { address: dockerd.address, caFile: dockerd.caFile, certFile: dockerd.certFile },
      },
      secrets,
    })
    const info = await engine.ping()
    expect(info.version).toMatch(/^\d+\./)
    expect(info.os).toBe('linux')
    expect((await engine.api.listContainers({ all: true })).length).toBe(0)
  })

  test('without the key in the keychain: a clear settings error', async () => {
    const error = await caught(
      engineForSettings({
        docker: {
          kind: 'tls',
          tls: { address: dockerd.address, caFile: dockerd.caFile, certFile: dockerd.certFile },
        },
        secrets: createMemoryStore(),
      }),
    )
    expect(error.code).toBe('SETTINGS_INVALID')
    expect(error.message).toMatch(/client key/)
  })

  test('a CA that did not sign the engine certificate is refused', async () => {
    const engine = createDockerEngine({
      endpoint: https(),
      tls: { ca: pem(dockerd.otherCaFile), cert: pem(dockerd.certFile), key: pem(dockerd.keyFile) },
    })
    const error = await caught(engine.ping())
    console.info('[wrong CA]', JSON.stringify(error.toData()))
    expect(error.code).toBe('DOCKER_TLS_UNTRUSTED')
    expect(error.hint).toMatch(/ca\.pem/)
  })

  test('no client certificate, or one from another CA, is refused by the engine', async () => {
    const none = createDockerEngine({
      endpoint: https(),
      tls: { ca: pem(dockerd.caFile), cert: '', key: '' },
    })
    const missing = await caught(none.ping())
    console.info('[no client cert]', JSON.stringify(missing.toData()))
    expect(missing.code).toBe('DOCKER_TLS_CLIENT_REFUSED')

    const foreign = createDockerEngine({
      endpoint: https(),
      tls: {
        ca: pem(dockerd.caFile),
        cert: pem(dockerd.otherCertFile),
        key: pem(dockerd.otherKeyFile),
      },
    })
    const refused = await caught(foreign.ping())
    console.info('[foreign client cert]', JSON.stringify(refused.toData()))
    expect(refused.code).toBe('DOCKER_TLS_CLIENT_REFUSED')
    expect(refused.hint).toMatch(/cert\.pem/)
  })
})
