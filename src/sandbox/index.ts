// Mounts the emulator: embedded under /sandbox/v1 of the app, or alone on its own port
// (tests and benchmarks start it that way).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import view from '@fastify/view'
import handlebars from 'handlebars'
import { TEMPLATES_DIR } from '../paths.ts'
import type { Emulator } from './emulator.ts'

export { Emulator } from './emulator.ts'
export type { EmulatorClient, EmulatorOptions, IssuedRecord } from './emulator.ts'

declare module 'fastify' {
  interface FastifyReply {
    sandboxView: (page: string, data: object) => Promise<string>
  }
}

const css = readFileSync(join(TEMPLATES_DIR, 'assets', 'sandbox.css'))

/** The emulator's routes, pages and stylesheet, as an encapsulated plugin. */
export function sandboxPlugin (emulator: Emulator) {
  return async function sandbox (app: FastifyInstance): Promise<void> {
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody)
    await app.register(view, {
      engine: { handlebars: handlebars.create() },
      root: join(TEMPLATES_DIR, 'sandbox'),
      layout: 'layout.hbs',
      viewExt: 'hbs',
      production: true,
      propertyName: 'sandboxPage',
      asyncPropertyName: 'sandboxView'
    })
    app.get('/assets/sandbox.css', (_request, reply) =>
      reply.type('text/css').header('cache-control', 'public, max-age=3600').send(css)
    )
    await app.register(emulator.plugin)
  }
}

/** A stand-alone server for an emulator, whose base URL is http://host:port/v1. */
export async function buildEmulatorServer (emulator: Emulator): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, forceCloseConnections: true })
  await app.register(sandboxPlugin(emulator), { prefix: '/v1' })
  return app
}
