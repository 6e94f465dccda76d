/**
 * Is a forward-auth app really behind Authentik? An anonymous request must be redirected to the
 * outpost (`/outpost.goauthentik.io/…` on the app's host) or to Authentik itself; an app that
 * answers 200 is reachable without login — NOT PROTECTED.
 */
import type { CheckResult } from '../../../shared/contract/integrations'
import { fetchForCheck, type CheckHttpOptions } from './http'

export async function checkForwardAuth(
  target: { title: string; url: string },
  authentikHost: string,
  options: CheckHttpOptions = {},
): Promise<CheckResult> {
  const base = { title: target.title, url: target.url }
  const fetched = await fetchForCheck(target.url, options)
  if (!fetched.ok) return { ...base, ...fetched }
  const host = new URL(target.url).hostname
  const router = host.split('.')[0] ?? 'app'
  const labelFix = `Put the label traefik.http.routers.${router}.middlewares=authentik-http@file (or authentik@file) on the app's container, make sure the middlewares are in dynamic_config.yml, and recreate the container.`
  const { status, location } = fetched
  if ([301, 302, 303, 307, 308].includes(status)) {
    const to = location ? new URL(location, target.url) : null
    const auth = new URL(authentikHost)
    if (to && (to.host === auth.host || to.pathname.startsWith('/outpost.goauthentik.io/')))
      return {
        ...base,
        ok: true,
        reason: 'ok',
        message: `Protected: an anonymous request is redirected (${status}) to ${to.origin}${to.pathname}.`,
      }
    return {
      ...base,
      ok: false,
      reason: 'status',
      message: `Redirected (${status}) to ${location ?? 'nowhere'}, not to Authentik.`,
      fix: labelFix,
    }
  }
  if (status >= 200 && status < 300)
    return {
      ...base,
      ok: false,
      reason: 'not-protected',
      message: `NOT PROTECTED: ${host} answered ${status} without any login.`,
      fix: labelFix,
    }
  const why =
    status === 401
      ? 'asks for its own login (401): Traefik does not send the request through Authentik'
      : status === 404
        ? 'is unknown to Traefik (404): no router matches this host'
        : status >= 500
          ? `failed (${status}): the app or the Authentik outpost behind Traefik is not reachable`
          : `answered ${status} instead of redirecting to Authentik`
  return {
    ...base,
    ok: false,
    reason: 'status',
    message: `${host} ${why}.`,
    fix:
      status >= 500
        ? 'Check that the app and authentik-server are running on the traefik network, and the forwardAuth address in dynamic_config.yml.'
        : labelFix,
  }
}
