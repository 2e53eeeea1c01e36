// Security headers on every response, from helmet. Its options never change while the app
// runs, so helmet runs once at start-up against a recording response and the headers it
// sets are replayed on each reply. @fastify/helmet rebuilds the middleware, and parses the
// CSP, on every request: a quarter of a millisecond each, in the benchmarks.
import { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import { http } from '../node-http.ts'

/** The headers helmet sets for these options, captured once on a response that is never sent. */
export function helmetHeaders (options: HelmetOptions): Record<string, string> {
  const request = new http.IncomingMessage(new Socket())
  const response = new http.ServerResponse(request)
  let failure: unknown
  helmet(options)(request, response, (err?: unknown) => { failure = err })
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('helmet failed')
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]))
}

export const securityHeaders = fp(async function securityHeaders (app: FastifyInstance, options: HelmetOptions) {
  const headers = helmetHeaders(options)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
}, { name: 'security-headers' })
