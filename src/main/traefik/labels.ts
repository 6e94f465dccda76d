import { stringify } from 'yaml'
import { chainFor, type MiddlewareSet } from './middlewares'

/**
 * The Docker labels that put an app behind Authentik: a router for `<app>.<domain>` on the TLS
 * entry point whose middleware is the file provider's chain (`authentik@file` for R2,
 * `authentik-http@file` for R10's HTTP-basic apps). The `@file` suffix matters: the labels live in
 * the Docker provider, the chain in dynamic_config.yml.
 */

export interface RouterLabelOptions {
  /** Router name and subdomain, e.g. `sonarr` → Host(`sonarr.<domain>`). */
  readonly app: string
  readonly domain: string
  readonly set: MiddlewareSet
  /** Traefik entry point; the stack's own router uses `websecure` too. */
  readonly entrypoint?: string
  /** When the app listens on more than one port, the one Traefik should use. */
  readonly port?: number
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/** A router/subdomain name Traefik and DNS both accept, or why not. */
export function appNameProblem(app: string): string | null {
  return LABEL.test(app)
    ? null
    : 'Use lowercase letters, digits and inner hyphens (1–63), e.g. sonarr: it becomes the router name and the subdomain.'
}

/** `key=value` label strings, in the order they read best in a compose file. */
export function routerLabels(options: RouterLabelOptions): string[] {
  const { app, domain } = options
  const router = `traefik.http.routers.${app}`
  const labels = [
    'traefik.enable=true',
    `${router}.rule=Host(\`${app}.${domain}\`)`,
    `${router}.entrypoints=${options.entrypoint ?? 'websecure'}`,
    `${router}.tls=true`,
    `${router}.middlewares=${chainFor(options.set)}@file`,
  ]
  if (options.port !== undefined)
    labels.push(`traefik.http.services.${app}.loadbalancer.server.port=${options.port}`)
  return labels
}

/**
 * The labels as a `labels:` block to paste under a service in docker-compose.yml, indented for a
 * service at the usual depth (`services:` → `  app:` → `    labels:`). Quoting is left to the
 * YAML library, so a backtick or `=` never produces a line compose reads differently.
 */
export function composeLabelsBlock(labels: readonly string[], indent = 4): string {
  const pad = ' '.repeat(indent)
  return stringify({ labels: [...labels] }, { indent: 2, lineWidth: 0 })
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => pad + line)
    .join('\n')
}
