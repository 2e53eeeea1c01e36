// The app in sandbox mode (the emulator embedded on its port), or in another mode, for browser tests.
import { after, before } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { launch } from './browser.ts'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config/index.ts'
import { freePort, LogCapture } from '../helpers.ts'

export interface SandboxApp { url: string, app: FastifyInstance, logs: LogCapture, close: () => Promise<void> }

export async function startSandboxApp (env: Record<string, string> = {}): Promise<SandboxApp> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const logs = new LogCapture()
  const app = await buildApp(parseConfig({ PORT: String(port), REDIRECT_URI: `${url}/oauth`, RATE_LIMIT_PER_MINUTE: '0', ...env }), { logStream: logs })
  await app.listen({ port, host: '127.0.0.1' })
  return { url, app, logs, close: () => app.close() }
}

/**
 * What a browser test file needs: Chromium, the app in dynamic mode and the app in static
 * mode with the given SCOPES. Call inside a describe(); the hooks start and stop them.
 */
export class BrowserFixture {
  browser!: Browser
  app!: SandboxApp
  fixed!: SandboxApp

  constructor (staticScopes: string) {
    before(async () => {
      this.browser = await launch()
      this.app = await startSandboxApp()
      this.fixed = await startSandboxApp({ MODE: 'static', SCOPES: staticScopes })
    })
    after(async () => {
      await this.browser?.close()
      await this.app?.close()
      await this.fixed?.close()
    })
  }
}
