import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import type Docker from 'dockerode'
import { build } from 'esbuild'
import { bundledSchemaPath } from '../fakes/authentik/openapi'
import { FAKE_VERSIONS, type FakeVersion } from '../fakes/authentik/types'
import { buildImage } from './images'

/**
 * `gatehouse-test/fake-authentik:1`: the fake Authentik (tests/fakes/authentik) as the Authentik
 * image of the stack, so Start → ready → bootstrap runs on the real engine. Built FROM scratch out
 * of an esbuild bundle of main.ts, the host's own `node` binary with the libraries `ldd` lists, and
 * Debian's busybox-static (shell, `wget` for the HEALTHCHECK, `sleep`). Cached by a recipe label
 * hashed over every file of the build context, so an unchanged fake is not rebuilt.
 *
 * Entrypoint (the catalogue's commands):
 * - `server` → the fake on 0.0.0.0:9000; version from FAKE_AUTHENTIK_VERSION (default 2026.8.3),
 *   bootstrap values from AUTHENTIK_BOOTSTRAP_PASSWORD/_TOKEN/_EMAIL, slow start from
 *   FAKE_AUTHENTIK_SLOW_START_MS (default 0). Healthy once `/-/health/live/` answers.
 * - `worker` or anything else → stays alive, answers SIGTERM, healthy at once.
 * - `ak test_email <to>` → "Sent test email to <to>", exit 1 when <to> contains "fail".
 */
export const FAKE_AUTHENTIK_IMAGE = 'gatehouse-test/fake-authentik:1'

const RECIPE_LABEL = 'io.gatehouse.test.recipe'
const BUSYBOX_BINARY = '/bin/busybox'
const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')
const fakeDir = join(root, 'tests', 'fakes', 'authentik')
const SCHEMA_CACHE = join(root, 'node_modules', '.cache', 'gatehouse-fake-authentik')

const entrypoint = `#!/bin/sh
case "$1" in
  server)
    touch /tmp/role-server
    exec /usr/bin/node /app/main.mjs --host 0.0.0.0 --port 9000 \\
      --version "\${FAKE_AUTHENTIK_VERSION:-2026.8.3}" \\
      --slow-start-ms "\${FAKE_AUTHENTIK_SLOW_START_MS:-0}"
    ;;
  *)
    trap 'exit 0' TERM
    echo "fake authentik $1 running"
    touch /tmp/healthy
    while :; do sleep 1 & wait $!; done
    ;;
esac
`

const ak = `#!/bin/sh
if [ "$1" != "test_email" ]; then echo "Unknown command: $1" >&2; exit 2; fi
case "$2" in
  *fail*) echo "SMTPRecipientsRefused: {'$2': (550, b'5.1.1 mailbox unavailable')}" >&2; exit 1 ;;
  *) echo "Sent test email to $2"; exit 0 ;;
esac
`

const healthcheck = `if [ -e /tmp/role-server ]; then wget -q -O- http://127.0.0.1:9000/-/health/live/; else test -e /tmp/healthy; fi`

const dockerfile = `FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/bin \\
    GATEHOUSE_FAKE_AUTHENTIK_SCHEMA_DIR=/app/schemas \\
    NODE_ENV=production
ENTRYPOINT ["/usr/local/bin/entrypoint"]
CMD ["server"]
EXPOSE 9000
HEALTHCHECK --interval=300ms --timeout=2s --retries=3 CMD ["/bin/sh", "-c", ${JSON.stringify(healthcheck)}]
`

function requireStaticBusybox(): void {
  if (!existsSync(BUSYBOX_BINARY))
    throw new Error(`${BUSYBOX_BINARY} is missing: apt-get install busybox-static`)
  const kind = execFileSync('file', ['-L', BUSYBOX_BINARY], { encoding: 'utf8' })
  if (!/statically linked/.test(kind))
    throw new Error(`${BUSYBOX_BINARY} is not static (${kind.trim()})`)
}

/** The absolute paths `ldd` lists for a binary (the loader included, vdso left out). */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' })
  const paths = new Set<string>()
  for (const line of out.split('\n')) {
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line)
    if (match?.[1]) paths.add(match[1])
  }
  if (paths.size === 0) throw new Error(`ldd ${binary} listed no libraries:\n${out}`)
  return [...paths]
}

/** Copies a host file to the same path under rootfs, following symlinks. */
function copyInto(rootfs: string, hostPath: string, mode?: number): void {
  const target = join(rootfs, hostPath)
  mkdirSync(dirname(target), { recursive: true })
  copyFileSync(hostPath, target)
  if (mode !== undefined) chmodSync(target, mode)
}

function schemaYaml(version: FakeVersion): Buffer {
  return gunzipSync(readFileSync(bundledSchemaPath(version)))
}

/**
 * The parsed-schema cache the fake keeps in node_modules/.cache (see openapi.ts): copied in so the
 * container starts in ~0.1 s instead of parsing the YAML. Produced here first if it is missing.
 */
async function schemaCacheFile(version: FakeVersion, yaml: Buffer): Promise<string> {
  const hash = createHash('sha256').update(yaml.toString('utf8')).digest('hex')
  const name = `${version}-${hash.slice(0, 16)}.json`
  const file = join(SCHEMA_CACHE, name)
  if (!existsSync(file)) {
    const { loadSchema } = await import('../fakes/authentik/openapi')
    await loadSchema(version)
  }
  if (!existsSync(file)) throw new Error(`the fake did not write its schema cache ${file}`)
  return file
}

async function bundle(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(fakeDir, 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    legalComments: 'none',
    logLevel: 'silent',
    // CommonJS dependencies (Ajv, openapi-backend) call require() for node builtins.
    banner: {
      js: "import { createRequire as __ghRequire } from 'node:module'; const require = __ghRequire(import.meta.url);",
    },
  })
}

function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(path))
    else out.push(path)
  }
  return out.sort()
}

/** Hash over every path, link target and file of the context: the image's recipe. */
function recipeOf(ctx: string): string {
  const hash = createHash('sha256')
  for (const file of filesUnder(ctx)) {
    hash.update(relative(ctx, file)).update('\0')
    const stat = statSync(file, { throwIfNoEntry: false })
    // Applet links point at busybox (its bytes are hashed once, under bin/busybox).
    if (!stat || (file.includes(`${join('rootfs', 'bin')}/`) && !file.endsWith('/busybox')))
      continue
    hash.update(String(stat.mode & 0o777)).update(readFileSync(file))
  }
  return hash.digest('hex')
}

async function labelOf(api: Docker, tag: string): Promise<string | undefined> {
  try {
    return (await api.getImage(tag).inspect()).Config.Labels?.[RECIPE_LABEL]
  } catch {
    return undefined
  }
}

let ready: Promise<string> | undefined

export function ensureFakeAuthentikImage(api: Docker): Promise<string> {
  ready ??= (async () => {
    requireStaticBusybox()
    const ctx = mkdtempSync(join(tmpdir(), 'gh-fake-authentik-'))
    try {
      const rootfs = join(ctx, 'rootfs')
      const app = join(rootfs, 'app')
      mkdirSync(join(app, 'schemas'), { recursive: true })
      await bundle(join(app, 'main.mjs'))
      const cacheTarget = join(rootfs, 'node_modules', '.cache', 'gatehouse-fake-authentik')
      mkdirSync(cacheTarget, { recursive: true })
      for (const version of FAKE_VERSIONS) {
        const yaml = schemaYaml(version)
        writeFileSync(join(app, 'schemas', `schema-${version}.yml`), yaml)
        const cache = await schemaCacheFile(version, yaml)
        copyFileSync(cache, join(cacheTarget, cache.split('/').pop()!))
      }

      // node at /usr/bin/node with its libraries at their host paths.
      copyInto(rootfs, process.execPath, 0o755)
      if (process.execPath !== '/usr/bin/node') {
        mkdirSync(join(rootfs, 'usr', 'bin'), { recursive: true })
        symlinkSync(process.execPath, join(rootfs, 'usr', 'bin', 'node'))
      }
      for (const lib of sharedLibraries(process.execPath)) copyInto(rootfs, lib)

      const bin = join(rootfs, 'bin')
      mkdirSync(bin, { recursive: true })
      copyFileSync(BUSYBOX_BINARY, join(bin, 'busybox'))
      chmodSync(join(bin, 'busybox'), 0o755)
      const applets = execFileSync(BUSYBOX_BINARY, ['--list'], { encoding: 'utf8' })
        .split('\n')
        .filter((a) => a && a !== 'busybox')
      for (const applet of applets) symlinkSync('busybox', join(bin, applet))

      const local = join(rootfs, 'usr', 'local', 'bin')
      mkdirSync(local, { recursive: true })
      writeFileSync(join(local, 'entrypoint'), entrypoint, { mode: 0o755 })
      writeFileSync(join(local, 'ak'), ak, { mode: 0o755 })
      mkdirSync(join(rootfs, 'tmp'))
      chmodSync(join(rootfs, 'tmp'), 0o1777)
      mkdirSync(join(rootfs, 'etc'))
      writeFileSync(
        join(rootfs, 'etc', 'passwd'),
        'root:x:0:0:root:/root:/bin/sh\nauthentik:x:1000:1000::/tmp:/bin/sh\n',
      )
      writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nauthentik:x:1000:\n')
      writeFileSync(join(ctx, 'Dockerfile'), dockerfile)

      const recipe = recipeOf(ctx)
      if ((await labelOf(api, FAKE_AUTHENTIK_IMAGE)) === recipe) return FAKE_AUTHENTIK_IMAGE
      await buildImage(api, ctx, FAKE_AUTHENTIK_IMAGE, { [RECIPE_LABEL]: recipe })
      return FAKE_AUTHENTIK_IMAGE
    } finally {
      rmSync(ctx, { recursive: true, force: true })
    }
  })()
  // A failed build must be retried by the next caller, not cached.
  ready.catch(() => (ready = undefined))
  return ready
}
