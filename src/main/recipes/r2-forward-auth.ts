/** R2: domain-level forward auth through the embedded outpost (guide: "Autentik configuration"). */
import { z } from 'zod'
import { ref, keys, owned } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import { EMBEDDED_OUTPOST, applicationOf, existing, existingFlow, slugs } from './defaults'
import { durationParam, nameParam, slugParam } from './param-fields'
import { defineRecipe, pkOf } from './recipe'

const Params = z.strictObject({
  providerName: nameParam('Traefik Provider', 'Provider name'),
  applicationName: nameParam('Traefik', 'Application name'),
  applicationSlug: slugParam('traefik', 'Application slug'),
  /** Authentik duration syntax, e.g. hours=24 or days=7. */
  tokenValidity: durationParam(
    'hours=24',
    'hours=24 or days=7',
    ['hours=1', 'hours=24', 'days=7', 'days=30'],
    {
      label: 'Token validity',
      help: 'How long a login to protected apps lasts before Authentik asks again.',
    },
  ),
})

export const r2ForwardAuth = defineRecipe({
  id: 'r2',
  title: 'Traefik forward auth (domain level)',
  section: 'Autentik configuration',
  summary:
    'A domain-level proxy provider and the Traefik application on the embedded outpost, with the outpost told its public address.',
  params: Params,
  desired: (p, ctx) => [
    existingFlow('flow:implicit-consent', slugs.implicitConsent),
    existingFlow('flow:provider-invalidation', slugs.providerInvalidation),
    {
      key: 'provider',
      kind: kinds.proxyProvider,
      ensure: 'present',
      identity: { name: p.providerName },
      query: { name__iexact: p.providerName },
      fields: {
        authorization_flow: ref('flow:implicit-consent'),
        // Required by the API; the admin UI fills it in silently, the guide never mentions it.
        invalidation_flow: ref('flow:provider-invalidation'),
        mode: 'forward_domain',
        external_host: ctx.authentikHost,
        cookie_domain: ctx.domain,
        access_token_validity: p.tokenValidity,
      },
    },
    applicationOf('provider', p.applicationSlug, p.applicationName),
    existing(
      'outpost',
      kinds.outpost,
      { managed: EMBEDDED_OUTPOST },
      {
        providers: owned([ref('provider')]),
        // Empty on a fresh install until someone opens the admin overview in a browser; forward
        // auth redirects nowhere without it. The rest of the config is sent back unchanged.
        config: keys({ authentik_host: ctx.authentikHost }),
      },
      { managed__iexact: EMBEDDED_OUTPOST },
    ),
  ],
  async checks(_p, ctx, read) {
    const outpost = read.objects.get('outpost')
    const pk = pkOf(outpost)
    if (pk === null) return []
    const health = await ctx.rest
      .get<unknown[]>(
        `/outposts/instances/${String(pk)}/health/`,
        undefined,
        'read the outpost health',
      )
      .catch(() => null)
    if (Array.isArray(health) && health.length === 0)
      return [
        {
          code: 'OUTPOST_NOT_CONNECTED',
          message: 'No instance of the authentik Embedded Outpost has reported in yet.',
          hint: 'The embedded outpost runs inside the Authentik server container; wait a minute after the server starts, then plan again.',
        },
      ]
    return []
  },
  notes: (p) => [
    `Put this label on every container Traefik should protect: traefik.http.routers.<router>.middlewares=authentik@file`,
    `The Traefik middlewares (authentik-auth and the authentik chain) are written into dynamic_config.yml below.`,
    `Application "${p.applicationName}" has no launch URL on purpose: a domain-level provider's host is Authentik itself.`,
  ],
})
