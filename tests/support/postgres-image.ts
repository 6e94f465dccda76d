import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type Docker from 'dockerode'
import { buildImage } from './images'

/**
 * A real PostgreSQL for backup/restore tests: Debian's postgresql-15 binaries packed FROM scratch
 * (no registry is reachable) with the shared libraries `ldd` names, busybox for the entrypoint,
 * and an entrypoint that behaves like the official image (initdb on an empty data dir with
 * POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB, password logins over TCP, pg_isready health).
 */
export const POSTGRES_IMAGE = 'gatehouse-test/postgres:15'
const PG = '/usr/lib/postgresql/15'

const entrypoint = `#!/bin/sh
set -e
export PGDATA=\${PGDATA:-/var/lib/postgresql/data}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "\${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  U=\${POSTGRES_USER:-postgres}
  printf '%s' "$POSTGRES_PASSWORD" > /tmp/pwfile
  initdb -D "$PGDATA" -U "$U" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 --locale=C --encoding=UTF8 >/dev/null
  rm -f /tmp/pwfile
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  DB=\${POSTGRES_DB:-$U}
  if [ "$DB" != "postgres" ]; then
    postgres --single -D "$PGDATA" postgres <<SQL >/dev/null
CREATE DATABASE "$DB" OWNER "$U";
SQL
  fi
fi
exec postgres -D "$PGDATA" "$@"
`

function libsOf(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' })
  return [...out.matchAll(/(\/\S+)/g)].map((m) => m[1]!)
}

let ready: Promise<string> | undefined

export function ensurePostgresImage(api: Docker): Promise<string> {
  ready ??= (async () => {
    const ctx = mkdtempSync(join(tmpdir(), 'gh-postgres-'))
    try {
      const root = join(ctx, 'rootfs')
      const copy = (p: string): void => {
        mkdirSync(dirname(join(root, p)), { recursive: true })
        cpSync(p, join(root, p), { recursive: true, dereference: true })
      }
      const bins = ['postgres', 'initdb', 'pg_ctl', 'pg_dump', 'pg_restore', 'pg_isready', 'psql']
      const libs = new Set<string>()
      for (const b of bins) for (const l of libsOf(`${PG}/bin/${b}`)) libs.add(l)
      for (const l of libs) copy(l)
      copy(`${PG}/bin`)
      copy(`${PG}/lib`)
      copy('/usr/share/postgresql/15')
      copy('/usr/share/zoneinfo')
      mkdirSync(join(root, 'bin'), { recursive: true })
      cpSync('/bin/busybox', join(root, 'bin/busybox'))
      for (const a of ['sh', 'rm', 'printf', 'echo', 'cat', 'ls', 'sleep'])
        execFileSync('ln', ['-s', 'busybox', join(root, 'bin', a)])
      mkdirSync(join(root, 'etc'), { recursive: true })
      writeFileSync(
        join(root, 'etc/passwd'),
        'root:x:0:0::/:/bin/sh\npostgres:x:999:999::/var/lib/postgresql:/bin/sh\n',
      )
      writeFileSync(join(root, 'etc/group'), 'root:x:0:\npostgres:x:999:\n')
      for (const d of ['var/lib/postgresql/data', 'var/run/postgresql', 'tmp'])
        mkdirSync(join(root, d), { recursive: true })
      writeFileSync(join(root, 'bin/docker-entrypoint.sh'), entrypoint, { mode: 0o755 })
      writeFileSync(
        join(ctx, 'Dockerfile'),
        `FROM scratch
COPY --chown=999:999 rootfs/ /
ENV PATH=${PG}/bin:/bin PGDATA=/var/lib/postgresql/data
USER 999
VOLUME /var/lib/postgresql/data
EXPOSE 5432
HEALTHCHECK --interval=500ms --timeout=3s --retries=20 CMD ["pg_isready", "-h", "127.0.0.1", "-q"]
ENTRYPOINT ["/bin/docker-entrypoint.sh"]
`,
      )
      await buildImage(api, ctx, POSTGRES_IMAGE)
      return POSTGRES_IMAGE
    } finally {
      rmSync(ctx, { recursive: true, force: true })
    }
  })()
  ready.catch(() => (ready = undefined))
  return ready
}
