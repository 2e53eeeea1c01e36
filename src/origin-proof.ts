// What a request proves about where it was sent from (CSRF): the app's POST guard and the
// sandbox's own pages (consent, device verification) judge their forms by the same rule.
import type { FastifyRequest } from 'fastify'

export type OriginProof = 'same-origin' | 'cross-site' | 'missing'

/** What a request proves about where it was sent from; `origins` are the app's own origins besides the request's. */
export function originProof (request: FastifyRequest, origins: ReadonlySet<string>): OriginProof {
  const site = request.headers['sec-fetch-site']
  if (typeof site === 'string') return site === 'same-origin' ? 'same-origin' : 'cross-site'
  const origin = request.headers.origin
  if (origin === undefined) return 'missing'
  // The host guard has already refused hosts outside the allowlist.
  return origin === `${request.protocol}://${request.host}` || origins.has(origin) ? 'same-origin' : 'cross-site'
}

export const ORIGIN_REFUSALS: Record<Exclude<OriginProof, 'same-origin'>, string> = {
  'cross-site': "This form was sent from another site, so it was refused. Use the form on this app's own page.",
  missing:
    "This form came without the browser's word that it was sent from this app's own page (neither Sec-Fetch-Site nor Origin), so it was refused. Use the form on this app's page in a current browser."
}
