/** R9: paths a proxy provider lets through without login (e.g. an app's API for mobile clients). */
import { z } from 'zod'
import { GatehouseError } from '../../shared/errors'
import { lines } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import type { JsonObject } from '../authentik/rest'
import { escapeRegex } from './defaults'
import { labelled, nameParam } from './param-fields'
import { defineRecipe } from './recipe'

const Params = z.strictObject({
  providerName: nameParam('Traefik Provider', 'Proxy provider'),
  /** Path regexes as the guide writes them (`^/api/.*`). */
  paths: labelled(
    z
      .array(z.string().min(1).max(500))
      .min(1)
      .max(50)
      .default(['^/api/.*'])
      .refine(
        (list) =>
          list.every((pattern) => {
            try {
              new RegExp(pattern)
              return true
            } catch {
              return false
            }
          }),
        'Every line must be a valid regular expression.',
      ),
    'Unauthenticated paths (one regex per line)',
  ),
  /** For a domain-level provider: the app's host the paths belong to (sonarr.example.org). */
  host: labelled(
    z
      .string()
      .trim()
      .max(253)
      .regex(
        /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/i,
        'A host name such as sonarr.example.org.',
      )
      .default(''),
    {
      label: 'App host (domain-level providers only)',
      help: "A domain-level provider matches these against the full URL, so it needs the app's host, e.g. sonarr.{domain}.",
    },
  ),
})

/**
 * On a forward_domain provider Authentik tests skip_path_regex against the whole URL, not the
 * path (API map step J), so `^/api/.*` never matches there. `^/api/.*` on host h becomes
 * `^https?://h/api/.*`.
 */
export function fullUrlPattern(pathPattern: string, host: string): string {
  const rest = pathPattern.replace(/^\^/, '')
  return `^https?://${escapeRegex(host)}${rest.startsWith('/') || rest.startsWith('\\/') ? '' : '/'}${rest}`
}

export const r9ApiBypass = defineRecipe({
  id: 'r9',
  title: 'API bypass',
  section: 'Unauthenticated paths',
  summary:
    'Lets chosen paths (e.g. ^/api/.*) through a proxy provider without a login, for apps whose clients use API keys.',
  params: Params,
  async desired(p, ctx) {
    const providers = (
      await ctx.rest.list<JsonObject>(
        kinds.proxyProvider.path,
        { name__iexact: p.providerName },
        `find proxy provider ${p.providerName}`,
      )
    ).filter((provider) => provider.name === p.providerName)
    const domainLevel = providers[0]?.mode === 'forward_domain'
    if (domainLevel && p.host === '')
      throw new GatehouseError({
        code: 'VALIDATION_FAILED',
        message: `${p.providerName} is a domain-level provider: Authentik matches its unauthenticated paths against the full URL, so "${p.paths[0] ?? ''}" would never match.`,
        hint: `Give the app's host (patterns become ${fullUrlPattern(p.paths[0] ?? '^/api/.*', `app.${ctx.domain}`)}), or choose the app's own single-application provider.`,
        details: { fields: { host: ['Required for a domain-level provider.'] } },
      })
    const patterns = domainLevel ? p.paths.map((path) => fullUrlPattern(path, p.host)) : p.paths
    return [
      {
        key: 'provider',
        kind: kinds.proxyProvider,
        ensure: 'existing',
        identity: { name: p.providerName },
        query: { name__iexact: p.providerName },
        fields: { skip_path_regex: lines(patterns) },
        missingHint: `Create the provider first (R2 makes "Traefik Provider"; R10 one per Servarr app), or name an existing one.`,
      },
    ]
  },
  async checks(p, _ctx, read) {
    const provider = read.objects.get('provider')
    if (provider?.mode === 'forward_domain')
      return [
        {
          code: 'DOMAIN_LEVEL_PATHS',
          message: `${p.providerName} is domain-level: the paths are written as full-URL patterns for ${p.host}, and they let that path through on that host only.`,
          hint: 'For several apps, prefer each app’s own single-application provider.',
        },
      ]
    return []
  },
})
