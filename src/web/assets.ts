// The stylesheet and script, read once at start-up and served from memory, compressed on
// demand and revalidated by ETag.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { TEMPLATES_DIR } from '../paths.ts'
import { CachedPage, sendCachedPage } from './cached-page.ts'

const ASSETS: Record<string, string> = {
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8'
}

export async function assetRoutes (app: FastifyInstance): Promise<void> {
  const files = new Map(Object.entries(ASSETS).map(([name, type]) =>
    [name, new CachedPage(readFileSync(join(TEMPLATES_DIR, 'assets', name)), type, 'public, max-age=3600')]))
  app.get<{ Params: { name: string } }>('/assets/:name', (request, reply) => {
    const file = files.get(request.params.name)
    if (file === undefined) return reply.callNotFound()
    return sendCachedPage(request, reply, file)
  })
}
