// Refuses state-changing requests sent by another site's page (CSRF), from the browser's
// own word: Sec-Fetch-Site where sent, else Origin. Requests without either come from
// scripts and curl, not from a browser a page could steer, and pass.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../oauth/errors.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function isCrossSite (request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site']
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none'
  const origin = request.headers.origin
  if (origin === undefined) return false
  return origin !== `${request.protocol}://${request.host}`
}

export const crossSiteGuard = fp(async function crossSiteGuard (app: FastifyInstance) {
  app.addHook('onRequest', (request, _reply, done) => {
    if (SAFE_METHODS.has(request.method) || !isCrossSite(request)) {
      done()
      return
    }
    done(new AppError('bad_request', { status: 403, reason: 'This form was sent from another site, so it was refused. Use the form on this app\'s own page.' }))
  })
}, { name: 'cross-site-guard' })
