import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A stack as someone following the setup guide has it (#15 adoption tests): the guide's `.env`
 * (secrets from `openssl rand | base64`, e-mail settings) and an upstream-style 2025.6 compose
 * file (PostgreSQL, Redis, server, worker; ./media, ./certs, ./custom-templates; the server on the
 * reverse-proxy network with a Traefik router for auth.example.test). Stand-in images only.
 */
export function writeGuideStack(
  folder: string,
  o: {
    stand: string
    serverImage: string
    network: string
    pgPass: string
    secretKey: string
    smtpPass: string
  },
): void {
  mkdirSync(folder, { recursive: true })
  for (const sub of ['media', 'certs', 'custom-templates']) mkdirSync(join(folder, sub))
  // The guide's .env and an upstream-style compose file (2025.6: Redis, ./media).
  writeFileSync(
    join(folder, '.env'),
    [
      `PG_PASS=${o.pgPass}`,
      `AUTHENTIK_SECRET_KEY=${o.secretKey}`,
      'AUTHENTIK_EMAIL__HOST=smtp.example.test',
      'AUTHENTIK_EMAIL__PORT=587',
      'AUTHENTIK_EMAIL__USERNAME=mailer',
      `AUTHENTIK_EMAIL__PASSWORD=${o.smtpPass}`,
      'AUTHENTIK_EMAIL__USE_TLS=true',
      'AUTHENTIK_EMAIL__FROM=authentik@example.test',
      '',
    ].join('\n'),
  )
  chmodSync(join(folder, '.env'), 0o600)
  writeFileSync(
    join(folder, 'docker-compose.yml'),
    `version: "2.4"
services:
  postgresql:
    image: ${o.stand}
    command: postgres
    restart: unless-stopped
    environment:
      POSTGRES_PASSWORD: \${PG_PASS}
      POSTGRES_USER: authentik
      POSTGRES_DB: authentik
    volumes:
      - database:/var/lib/postgresql/data
  redis:
    image: ${o.stand}
    command: --save 60 1 --loglevel warning
    restart: unless-stopped
    volumes:
      - redis:/data
  server:
    image: ${o.serverImage}
    command: server
    restart: unless-stopped
    environment:
      AUTHENTIK_REDIS__HOST: redis
      AUTHENTIK_POSTGRESQL__HOST: postgresql
      AUTHENTIK_POSTGRESQL__USER: authentik
      AUTHENTIK_POSTGRESQL__NAME: authentik
      AUTHENTIK_POSTGRESQL__PASSWORD: \${PG_PASS}
    env_file: .env
    volumes:
      - ./media:/media
      - ./custom-templates:/templates
    networks: [default, proxy]
    labels:
      traefik.enable: "true"
      traefik.http.routers.authentik.rule: Host(\`auth.example.test\`)
    depends_on: [postgresql, redis]
  worker:
    image: ${o.serverImage}
    command: worker
    restart: unless-stopped
    user: root
    environment:
      AUTHENTIK_REDIS__HOST: redis
      AUTHENTIK_POSTGRESQL__HOST: postgresql
      AUTHENTIK_POSTGRESQL__USER: authentik
      AUTHENTIK_POSTGRESQL__NAME: authentik
      AUTHENTIK_POSTGRESQL__PASSWORD: \${PG_PASS}
    env_file: .env
    volumes:
      - ./media:/media
      - ./certs:/certs
      - ./custom-templates:/templates
    depends_on: [postgresql, redis]
volumes:
  database: {}
  redis: {}
networks:
  proxy:
    external: true
    name: ${o.network}
`,
  )
}
