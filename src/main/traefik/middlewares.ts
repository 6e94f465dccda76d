/**
 * The Traefik middlewares Gatehouse owns in the admin's `dynamic_config.yml`, exactly as the setup
 * guide writes them (R2: `authentik-auth` + chain `authentik`; R10: `authentik-auth-http` + chain
 * `authentik-http`), plus a suggested `default-security-headers` for files that have none. Pure data:
 * merge.ts decides what changes in the file, this module only says what the wanted values are.
 */

/** Which recipe's middlewares are wanted: R2 alone, or R2 and R10. */
export type MiddlewareSet = 'r2' | 'r10'

export interface AuthentikServer {
  /** Container name of the Authentik server on the `traefik` network. */
  readonly host: string
  readonly port: number
}

export const DEFAULT_AUTHENTIK_SERVER: AuthentikServer = { host: 'authentik-server', port: 9000 }

/** The eleven headers the guide copies from the outpost's answer onto the proxied request. */
export const AUTHENTIK_RESPONSE_HEADERS = [
  'X-authentik-username',
  'X-authentik-groups',
  'X-authentik-email',
  'X-authentik-name',
  'X-authentik-uid',
  'X-authentik-jwt',
  'X-authentik-meta-jwks',
  'X-authentik-meta-outpost',
  'X-authentik-meta-provider',
  'X-authentik-meta-app',
  'X-authentik-meta-version',
] as const

export const SECURITY_HEADERS_MIDDLEWARE = 'default-security-headers'

export const MANAGED_NAMES = {
  auth: 'authentik-auth',
  chain: 'authentik',
  authHttp: 'authentik-auth-http',
  chainHttp: 'authentik-http',
} as const

/** A middleware as it goes under `http.middlewares.<name>`; `comments` only decorate the text. */
export interface MiddlewareEntry {
  readonly name: string
  /** Plain JSON-like value (what `toJS()` of the YAML node must equal). */
  readonly value: Record<string, unknown>
  /** Comment lines to write above a key, by key path inside `value` (e.g. forwardAuth.address). */
  readonly comments?: readonly { readonly path: readonly string[]; readonly text: string }[]
}

/** Hosts are container or DNS names; ports 1–65535. Returns why not, or null. */
export function authentikServerProblem(server: AuthentikServer): string | null {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})$/.test(server.host))
    return 'Enter the Authentik server container name or host name, e.g. authentik-server.'
  if (!Number.isInteger(server.port) || server.port < 1 || server.port > 65535)
    return 'Ports run from 1 to 65535.'
  return null
}

/** The embedded outpost's Traefik endpoint on the Authentik server. */
export function forwardAuthAddress(server: AuthentikServer = DEFAULT_AUTHENTIK_SERVER): string {
  return `http://${server.host}:${server.port}/outpost.goauthentik.io/auth/traefik`
}

function forwardAuth(
  name: string,
  server: AuthentikServer,
  extraHeaders: readonly string[],
): MiddlewareEntry {
  return {
    name,
    value: {
      forwardAuth: {
        address: forwardAuthAddress(server),
        trustForwardHeader: true,
        authResponseHeaders: [...AUTHENTIK_RESPONSE_HEADERS, ...extraHeaders],
      },
    },
    // The guide's own comment: the address must follow the server container's name.
    comments: [
      {
        path: ['forwardAuth', 'address'],
        text: ' Match base url to authentik server container name',
      },
    ],
  }
}

function chain(name: string, auth: string): MiddlewareEntry {
  return { name, value: { chain: { middlewares: [auth, SECURITY_HEADERS_MIDDLEWARE] } } }
}

export interface ManagedMiddlewareOptions {
  readonly include: readonly MiddlewareSet[]
  readonly server?: AuthentikServer
}

/**
 * The wanted middlewares, in the order they are written into a file that has none of them:
 * `authentik-auth`, `authentik`, then for R10 `authentik-auth-http` (plus the `authorization`
 * header, so Authentik's HTTP-basic credentials reach the app) and `authentik-http`.
 */
export function managedMiddlewares(options: ManagedMiddlewareOptions): MiddlewareEntry[] {
  const server = options.server ?? DEFAULT_AUTHENTIK_SERVER
  const out: MiddlewareEntry[] = []
  // R10's chain is used next to R2's (other apps keep `authentik`), so R10 always brings R2 along.
  if (options.include.includes('r2') || options.include.includes('r10')) {
    out.push(forwardAuth(MANAGED_NAMES.auth, server, []))
    out.push(chain(MANAGED_NAMES.chain, MANAGED_NAMES.auth))
  }
  if (options.include.includes('r10')) {
    out.push(forwardAuth(MANAGED_NAMES.authHttp, server, ['authorization']))
    out.push(chain(MANAGED_NAMES.chainHttp, MANAGED_NAMES.authHttp))
  }
  return out
}

/**
 * A conservative `headers` middleware for the chains to point at when the file has none (Traefik
 * refuses a router whose chain names a missing middleware). Every key is a Traefik v3 option:
 * HSTS for a year on the domain and its subdomains (no preload: that list is hard to leave),
 * same-origin framing (Authentik's own pages frame nothing from elsewhere), no MIME sniffing, the
 * legacy XSS filter header, and a referrer policy that keeps paths inside the site.
 */
export function suggestedSecurityHeaders(): MiddlewareEntry {
  return {
    name: SECURITY_HEADERS_MIDDLEWARE,
    value: {
      headers: {
        stsSeconds: 31536000,
        stsIncludeSubdomains: true,
        forceSTSHeader: true,
        customFrameOptionsValue: 'SAMEORIGIN',
        contentTypeNosniff: true,
        browserXssFilter: true,
        referrerPolicy: 'strict-origin-when-cross-origin',
      },
    },
    comments: [{ path: ['headers'], text: ' Suggested by Gatehouse; adjust to your apps' }],
  }
}

/** The chain middleware an app's router uses for a recipe. */
export function chainFor(set: MiddlewareSet): string {
  return set === 'r10' ? MANAGED_NAMES.chainHttp : MANAGED_NAMES.chain
}
