// Answers only to the configured host names: a DNS-rebinding page that points its own name
// at 127.0.0.1 reaches this server with a foreign Host header, and is turned away with 421.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../errors.ts'

/** The host name of a Host header, without the port; IPv6 literals keep their brackets. */
export function hostName (host: string): string {
  const bracket = host.startsWith('[') ? host.indexOf(']') : -1
  if (bracket > 0) return host.slice(0, bracket + 1).toLowerCase()
  const colon = host.lastIndexOf(':')
  return (colon >= 0 ? host.slice(0, colon) : host).toLowerCase()
}

export const hostGuard = fp(
  async function hostGuard (app: FastifyInstance, options: { allowed: readonly string[] }) {
    const allowed = new Set(options.allowed.map((h) => h.toLowerCase()))
    const refusal = `This app answers only to ${[...allowed].join(', ')}.`
    app.addHook('onRequest', (request, _reply, done) => {
      // request.host is the Host header, or X-Forwarded-Host only when TRUST_PROXY is set.
      const host = request.host
      done(host !== '' && allowed.has(hostName(host)) ? undefined : new AppError('misdirected', { reason: refusal }))
    })
  },
  { name: 'host-guard' }
)
