// The stylesheet and the browser script (built from src/browser), read once at start-up and
// served from memory, compressed on demand and revalidated by ETag.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { BUILT_ASSETS_DIR, TEMPLATES_DIR } from '../paths.ts'
import { CachedPage, sendCachedPage } from './cached-page.ts'

const ASSETS = [
  { name: 'app.css', dir: join(TEMPLATES_DIR, 'assets'), type: 'text/css; charset=utf-8' },
  { name: 'icon.svg', dir: join(TEMPLATES_DIR, 'assets'), type: 'image/svg+xml' },
  { name: 'app.js', dir: BUILT_ASSETS_DIR, type: 'text/javascript; charset=utf-8' },
  { name: 'app.js.map', dir: BUILT_ASSETS_DIR, type: 'application/json; charset=utf-8' }
]

function read (dir: string, name: string): Buffer {
  try {
    return readFileSync(join(dir, name))
  } catch {
    throw new Error(`${join(dir, name)} is missing: run \`npm run build\` (it builds the browser script)`)
  }
}

export async function assetRoutes (app: FastifyInstance): Promise<void> {
  const files = new Map(ASSETS.map(({ name, dir, type }) => [name, new CachedPage(read(dir, name), type, 'public, max-age=3600')]))
  app.get<{ Params: { name: string } }>('/assets/:name', (request, reply) => {
    const file = files.get(request.params.name)
    if (file === undefined) return reply.callNotFound()
    return sendCachedPage(request, reply, file)
  })
  // Browsers ask for /favicon.ico whatever the page says: the same key icon.
  app.get('/favicon.ico', (request, reply) => {
    const icon = files.get('icon.svg')
    return icon === undefined ? reply.callNotFound() : sendCachedPage(request, reply, icon)
  })
}
