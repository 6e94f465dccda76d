import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type Docker from 'dockerode'

/**
 * Small local images for the engine tests: no registry is reachable, so images are built FROM
 * scratch out of Debian's busybox-static. Cached by tag plus a recipe label, so a run builds them
 * once and later runs (and later test files) reuse them. They are left in place on purpose.
 */

export const BUSYBOX_IMAGE = 'gatehouse-test/busybox:1'
const BUSYBOX_BINARY = '/bin/busybox'
const RECIPE_LABEL = 'io.gatehouse.test.recipe'

/**
 * Default command: answer SIGTERM (PID 1 ignores signals it has no handler for, so a bare `sleep`
 * would wait out the stop timeout) and mark itself healthy for the image's own HEALTHCHECK.
 */
const busyboxDockerfile = `FROM scratch
COPY rootfs/ /
ENV PATH=/bin
HEALTHCHECK --interval=300ms --timeout=2s --retries=3 CMD ["/bin/sh", "-c", "test -e /tmp/healthy"]
CMD ["/bin/sh", "-c", "trap 'exit 0' TERM; touch /tmp/healthy; while :; do sleep 1 & wait $!; done"]
`

function requireBusybox(): Buffer {
  if (!existsSync(BUSYBOX_BINARY))
    throw new Error(`${BUSYBOX_BINARY} is missing: apt-get install busybox-static`)
  const kind = execFileSync('file', ['-L', BUSYBOX_BINARY], { encoding: 'utf8' })
  if (!/statically linked/.test(kind))
    throw new Error(
      `${BUSYBOX_BINARY} is not static (${kind.trim()}): apt-get install busybox-static`,
    )
  return readFileSync(BUSYBOX_BINARY)
}

/** Builds an image from a context folder through the Engine API (no buildx needed). */
export async function buildImage(
  api: Docker,
  contextDir: string,
  tag: string,
  labels: Record<string, string> = {},
): Promise<void> {
  const tar = execFileSync('tar', ['-C', contextDir, '-cf', '-', '.'], {
    maxBuffer: 1024 * 1024 * 1024,
  })
  const stream = await api.buildImage(Readable.from([tar]), {
    t: tag,
    labels,
    rm: true,
    forcerm: true,
  })
  const output = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>(
    (resolve, reject) =>
      api.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))),
  )
  const failure = output.find((line) => line.error || line.errorDetail)
  if (failure)
    throw new Error(`building ${tag} failed: ${failure.errorDetail?.message ?? failure.error}`)
}

async function recipeOf(api: Docker, tag: string): Promise<string | undefined> {
  try {
    return (await api.getImage(tag).inspect()).Config.Labels?.[RECIPE_LABEL]
  } catch {
    return undefined
  }
}

let busyboxReady: Promise<string> | undefined

/** `gatehouse-test/busybox:1`: busybox-static with every applet linked, a HEALTHCHECK, /tmp. */
export function ensureBusyboxImage(api: Docker): Promise<string> {
  busyboxReady ??= (async () => {
    const binary = requireBusybox()
    const recipe = createHash('sha256').update(busyboxDockerfile).update(binary).digest('hex')
    if ((await recipeOf(api, BUSYBOX_IMAGE)) === recipe) return BUSYBOX_IMAGE
    const ctx = mkdtempSync(join(tmpdir(), 'gh-img-'))
    try {
      const bin = join(ctx, 'rootfs', 'bin')
      mkdirSync(bin, { recursive: true })
      writeFileSync(join(bin, 'busybox'), binary, { mode: 0o755 })
      const applets = execFileSync(BUSYBOX_BINARY, ['--list'], { encoding: 'utf8' })
        .split('\n')
        .filter((a) => a && a !== 'busybox')
      for (const applet of applets) symlinkSync('busybox', join(bin, applet))
      mkdirSync(join(ctx, 'rootfs', 'tmp'))
      chmodSync(join(ctx, 'rootfs', 'tmp'), 0o1777)
      mkdirSync(join(ctx, 'rootfs', 'etc'))
      writeFileSync(
        join(ctx, 'rootfs', 'etc', 'passwd'),
        'root:x:0:0:root:/root:/bin/sh\nauthentik:x:1000:1000::/tmp:/bin/sh\n',
      )
      writeFileSync(join(ctx, 'rootfs', 'etc', 'group'), 'root:x:0:\nauthentik:x:1000:\n')
      writeFileSync(join(ctx, 'Dockerfile'), busyboxDockerfile)
      await buildImage(api, ctx, BUSYBOX_IMAGE, { [RECIPE_LABEL]: recipe })
      return BUSYBOX_IMAGE
    } finally {
      rmSync(ctx, { recursive: true, force: true })
    }
  })()
  // A failed build must be retried by the next caller, not cached.
  busyboxReady.catch(() => (busyboxReady = undefined))
  return busyboxReady
}

/**
 * An image on top of the busybox one with `sizeBytes` of random (incompressible) data in its own
 * layer, tagged `tag`: large enough that a pull reports several "Downloading" steps.
 */
export async function buildBulkImage(api: Docker, tag: string, sizeBytes: number): Promise<void> {
  const base = await ensureBusyboxImage(api)
  const ctx = mkdtempSync(join(tmpdir(), 'gh-bulk-'))
  try {
    writeFileSync(join(ctx, 'blob'), randomBytes(sizeBytes))
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${base}\nCOPY blob /blob\n`)
    await buildImage(api, ctx, tag)
  } finally {
    rmSync(ctx, { recursive: true, force: true })
  }
}
