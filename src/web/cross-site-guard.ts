// Refuses state-changing requests that do not prove they came from this app's own pages
// (CSRF): `Sec-Fetch-Site: same-origin`, or, from browsers that do not send fetch metadata,
// an `Origin` equal to one of the app's own origins. A POST with neither is refused too: old
// browsers send neither on a cross-site form, and nothing legitimate (the CLI does not use
// these routes) posts without them.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../errors.ts'
import { originProof, ORIGIN_REFUSALS } from '../origin-proof.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * `origins`: the app's origins besides the request's own (REDIRECT_URI's). `apiPrefix`: the
 * embedded emulator's path, whose API servers call without an Origin; its consent form checks
 * the origin itself.
 */
export const crossSiteGuard = fp(
  async function crossSiteGuard (app: FastifyInstance, options: { origins: readonly string[], apiPrefix?: string }) {
    const origins = new Set(options.origins)
    const apiPrefix = options.apiPrefix === undefined ? undefined : `${options.apiPrefix}/`
    app.addHook('onRequest', (request, _reply, done) => {
      const exempt = SAFE_METHODS.has(request.method) || (apiPrefix !== undefined && request.url.startsWith(apiPrefix))
      const proof = exempt ? 'same-origin' : originProof(request, origins)
      done(
        proof === 'same-origin'
          ? undefined
          : new AppError('bad_request', { status: 403, reason: ORIGIN_REFUSALS[proof] })
      )
    })
  },
  { name: 'cross-site-guard' }
)
