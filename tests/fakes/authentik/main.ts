/**
 * Runs the fake Authentik as a process:
 *   npx tsx tests/fakes/authentik/main.ts --version 2026.8.3 --port 9000 [--host 0.0.0.0] [--slow-start-ms 5000]
 * Bootstrap values come from AUTHENTIK_BOOTSTRAP_PASSWORD / _TOKEN / _EMAIL, like the real server.
 */
import { parseArgs } from 'node:util'
import { startFakeAuthentik } from './server'
import { DEFAULT_AUTHENTIK_VERSION } from '../../../src/shared/authentik-releases'
import { FAKE_VERSIONS, type FakeVersion } from './types'

const { values } = parseArgs({
  options: {
    version: { type: 'string', default: DEFAULT_AUTHENTIK_VERSION },
    port: { type: 'string', default: '9000' },
    host: { type: 'string', default: '127.0.0.1' },
    'slow-start-ms': { type: 'string', default: '0' },
  },
})

const version = values.version as FakeVersion
if (!FAKE_VERSIONS.includes(version)) {
  console.error(`unsupported --version ${values.version}; use one of ${FAKE_VERSIONS.join(', ')}`)
  process.exit(2)
}

const env = (name: string): string | undefined => {
  const value = process.env[name]
  return value === undefined || value === '' ? undefined : value
}

const fake = await startFakeAuthentik({
  version,
  port: Number(values.port),
  host: values.host,
  slowStartMs: Number(values['slow-start-ms']),
  bootstrapPassword: env('AUTHENTIK_BOOTSTRAP_PASSWORD'),
  bootstrapToken: env('AUTHENTIK_BOOTSTRAP_TOKEN'),
  bootstrapEmail: env('AUTHENTIK_BOOTSTRAP_EMAIL'),
})
console.log(`fake authentik ${version} listening on ${fake.url}`)

const stop = (): void => {
  if (fake.schemaViolations.length > 0) {
    console.error(`schema violations:\n${fake.schemaViolations.join('\n')}`)
  }
  void fake.close().then(() => process.exit(fake.schemaViolations.length > 0 ? 1 : 0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
