/**
 * Does an OIDC app meet its provider? Fetch the discovery document the app will fetch, confirm the
 * issuer it will compare tokens against and the endpoints it will call, and that every redirect
 * URI the app sends is one the provider accepts (strict: equal; regex: a full match), compared
 * with the provider's `redirect_uris` as Authentik's API returns them.
 */
import type { CheckResult } from '../../../shared/contract/integrations'
import { discoveryUrl, issuerUrl } from '../oauth2'
import { fetchForCheck, type CheckHttpOptions } from './http'

export interface AcceptedRedirect {
  matching_mode: string
  url: string
}

export function redirectAccepted(uri: string, accepted: readonly AcceptedRedirect[]): boolean {
  return accepted.some((a) => {
    if (a.matching_mode === 'regex') {
      try {
        return new RegExp(`^(?:${a.url})$`).test(uri)
      } catch {
        return false
      }
    }
    return a.url === uri
  })
}

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']

type Failure = Omit<CheckResult, 'title' | 'url'>

/** The discovery document as JSON, or why the address did not answer with one. */
function discoveryDocument(
  fetched: { status: number; body: string },
  slug: string,
): { document: Record<string, unknown> } | Failure {
  if (fetched.status !== 200)
    return {
      ok: false,
      reason: 'status',
      message: `The discovery document answered ${fetched.status} instead of 200.`,
      fix:
        fetched.status === 404
          ? `Authentik has no OAuth2 application with the slug "${slug}" there: apply the integration, and check that Traefik routes auth.<domain> to Authentik.`
          : 'Check that Authentik is running and that Traefik routes its host to it.',
    }
  try {
    const parsed: unknown = JSON.parse(fetched.body)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error()
    return { document: parsed as Record<string, unknown> }
  } catch {
    return {
      ok: false,
      reason: 'endpoints',
      message: 'The address answered, but not with a discovery document (no JSON object).',
      fix: 'Check that Traefik routes auth.<domain> to Authentik and not to another app.',
    }
  }
}

/** A document Authentik built for another host or issuer than the app will expect. */
function documentProblem(
  doc: Record<string, unknown>,
  authentikHost: string,
  expectedIssuer: string,
): Failure | null {
  if (doc.issuer !== expectedIssuer)
    return {
      ok: false,
      reason: 'issuer',
      message: `Wrong issuer: the document says ${JSON.stringify(doc.issuer)}, the app will expect ${expectedIssuer}.`,
      fix: 'Set the provider\'s issuer mode to "per provider" (apply the integration again), and make Traefik pass the original Host header to Authentik.',
    }
  const authHost = new URL(authentikHost).host
  const bad = ENDPOINTS.filter((key) => {
    const value = doc[key]
    if (typeof value !== 'string' || !URL.canParse(value)) return true
    const parsed = new URL(value)
    return parsed.protocol !== 'https:' || parsed.host !== authHost
  })
  if (bad.length)
    return {
      ok: false,
      reason: 'endpoints',
      message: `Endpoints missing or not on ${authentikHost}: ${bad.join(', ')}.`,
      fix: 'Make Traefik pass the original Host and X-Forwarded-Proto to Authentik, so it builds https://auth.<domain> addresses.',
    }
  return null
}

export async function checkOidc(
  target: { title: string; slug: string; redirectUris: readonly string[] },
  authentikHost: string,
  /** The provider's redirect URIs from the API; null when the provider does not exist. */
  accepted: readonly AcceptedRedirect[] | null,
  options: CheckHttpOptions = {},
): Promise<CheckResult> {
  const url = discoveryUrl(authentikHost, target.slug)
  const base = { title: target.title, url }
  const fetched = await fetchForCheck(url, options)
  if (!fetched.ok) return { ...base, ...fetched }
  const read = discoveryDocument(fetched, target.slug)
  if (!('document' in read)) return { ...base, ...read }
  const expected = issuerUrl(authentikHost, target.slug)
  const problem = documentProblem(read.document, authentikHost, expected)
  if (problem) return { ...base, ...problem }
  if (accepted === null)
    return {
      ...base,
      ok: false,
      reason: 'not-configured',
      message: 'The provider does not exist in Authentik, so its redirect URIs cannot be compared.',
      fix: 'Apply the integration.',
    }
  const refused = target.redirectUris.filter((uri) => !redirectAccepted(uri, accepted))
  if (refused.length)
    return {
      ...base,
      ok: false,
      reason: 'redirect-uri',
      message: `Authentik would refuse the redirect to ${refused.join(', ')} (the provider accepts ${accepted.map((a) => a.url).join(', ') || 'none'}).`,
      fix: 'Apply the integration again (the plan shows redirect_uris), or correct the subdomain in the form.',
    }
  return {
    ...base,
    ok: true,
    reason: 'ok',
    message: `Discovery answers with issuer ${expected}; the provider accepts ${target.redirectUris.length === 1 ? 'the redirect URI' : `all ${target.redirectUris.length} redirect URIs`}.`,
  }
}
