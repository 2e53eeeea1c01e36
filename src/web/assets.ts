// The stylesheet and icon (templates/assets) and the browser script (built from src/browser
// into dist/assets), served by @fastify/static under /assets/, revalidated by ETag.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { BUILT_ASSETS_DIR, TEMPLATES_DIR } from '../paths.ts'

const SOURCE_ASSETS_DIR = join(TEMPLATES_DIR, 'assets')

export async function assetRoutes (app: FastifyInstance): Promise<void> {
  if (!existsSync(join(BUILT_ASSETS_DIR, 'app.js'))) {
    throw new Error(
      `${join(BUILT_ASSETS_DIR, 'app.js')} is missing: run \`npm run build\` (it builds the browser script)`
    )
  }
  await app.register(fastifyStatic, {
    root: [SOURCE_ASSETS_DIR, BUILT_ASSETS_DIR],
    prefix: '/assets/',
    index: false,
    list: false,
    dotfiles: 'deny',
    maxAge: '1h',
    // A folder is not a page here: 404, as for any other missing asset (not static's 403).
    allowedPath: (path) => !path.endsWith('/')
  })
  // Browsers ask for /favicon.ico whatever the page says: the same key icon.
  app.get('/favicon.ico', (_request, reply) => reply.sendFile('icon.svg', SOURCE_ASSETS_DIR))
}
