// Refuses state-changing requests that do not prove they came from this app's own pages
// (CSRF): `Sec-Fetch-Site: same-origin`, or, from browsers that do not send fetch metadata,
// an `Origin` equal to one of the app's own origins. A POST with neither is refused too: old
// browsers send neither on a cross-site form, and nothing legitimate (the CLI does not use
// these routes) posts without them.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../oauth/errors.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

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
  'cross-site': 'This form was sent from another site, so it was refused. Use the form on this app\'s own page.',
  missing: 'This form came without the browser\'s word that it was sent from this app\'s own page (neither Sec-Fetch-Site nor Origin), so it was refused. Use the form on this app\'s page in a current browser.'
}

/**
 * `origins`: the app's origins besides the request's own (REDIRECT_URI's). `apiPrefix`: the
 * embedded emulator's path, whose API servers call without an Origin; its consent form checks
 * the origin itself.
 */
export const crossSiteGuard = fp(async function crossSiteGuard (app: FastifyInstance, options: { origins: readonly string[], apiPrefix?: string }) {
  const origins = new Set(options.origins)
  const apiPrefix = options.apiPrefix === undefined ? undefined : `${options.apiPrefix}/`
  app.addHook('onRequest', (request, _reply, done) => {
    const exempt = SAFE_METHODS.has(request.method) || (apiPrefix !== undefined && request.url.startsWith(apiPrefix))
    const proof = exempt ? 'same-origin' : originProof(request, origins)
    done(proof === 'same-origin' ? undefined : new AppError('bad_request', { status: 403, reason: ORIGIN_REFUSALS[proof] }))
  })
}, { name: 'cross-site-guard' })
