import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Docker from 'dockerode'
import { buildImage, ensureBusyboxImage } from './images'

/**
 * One small image that stands in for postgres, redis and the Authentik server/worker in stack
 * tests (no registry is reachable, and the real images are hundreds of MB). Its entrypoint takes
 * the catalogue's commands (`server`, `worker`, redis' `--save …`) as arguments and just runs,
 * answering SIGTERM and turning healthy through the image HEALTHCHECK; `ak test_email <to>`
 * succeeds for any address except one containing "fail", like a relay refusing it.
 */
export const FAKE_STACK_IMAGE = 'gatehouse-test/fake-stack:1'

const entrypoint = `#!/bin/sh
trap 'exit 0' TERM
echo "fake $1 starting with TZ=\${TZ:-unset}"
echo "fake $1 warning on stderr" >&2
printf '\\033[32mfake %s ready\\033[0m\\n' "$1"
touch /tmp/healthy
while :; do sleep 1 & wait $!; done
`

const ak = `#!/bin/sh
if [ "$1" != "test_email" ]; then echo "Unknown command: $1" >&2; exit 2; fi
case "$2" in
  *fail*) echo "SMTPRecipientsRefused: {'$2': (550, b'5.1.1 mailbox unavailable')}" >&2; exit 1 ;;
  *) echo "Sent test email to $2"; exit 0 ;;
esac
`

let ready: Promise<string> | undefined

export function ensureFakeStackImage(api: Docker): Promise<string> {
  ready ??= (async () => {
    const base = await ensureBusyboxImage(api)
    const ctx = mkdtempSync(join(tmpdir(), 'gh-fake-stack-'))
    try {
      mkdirSync(join(ctx, 'bin'))
      writeFileSync(join(ctx, 'bin', 'fake-service'), entrypoint, { mode: 0o755 })
      writeFileSync(join(ctx, 'bin', 'ak'), ak, { mode: 0o755 })
      writeFileSync(
        join(ctx, 'Dockerfile'),
        `FROM ${base}
COPY bin/ /usr/local/bin/
ENV PATH=/usr/local/bin:/bin
ENTRYPOINT ["/usr/local/bin/fake-service"]
CMD ["service"]
HEALTHCHECK --interval=300ms --timeout=2s --retries=3 CMD ["/bin/sh", "-c", "test -e /tmp/healthy"]
`,
      )
      await buildImage(api, ctx, FAKE_STACK_IMAGE)
      return FAKE_STACK_IMAGE
    } finally {
      rmSync(ctx, { recursive: true, force: true })
    }
  })()
  ready.catch(() => (ready = undefined))
  return ready
}
