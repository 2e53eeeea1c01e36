// The app in sandbox mode (the emulator embedded on its port), or in another mode, for browser tests.
import { after, before } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { launch } from './browser.ts'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config/index.ts'
import { freePort, LogCapture } from '../helpers.ts'
import { newSandboxKey, publishSandboxKey } from '../../src/sandbox-proof.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The sandbox's sign-in page: its authorize hands the browser on to it, on the other loopback
 * name (localhost for 127.0.0.1), as Webex's authorize hands on to its identity service.
 */
export const SIGN_IN_PAGE = /^http:\/\/localhost:\d+\/sandbox\/v1\/idb\/oauth2\/v1\/authorize\?/

/**
 * Back at the app from the sign-in, its last page loaded: an error answer stays on the callback's
 * GET (/oauth?error=…); a code goes through the page that hands it back with this browser's
 * binder, and ends on the POST's page at /oauth.
 */
export async function backFromWebex (page: Page): Promise<void> {
  await page.waitForURL((url) => url.pathname === '/oauth' && (url.search === '' || url.searchParams.has('error')))
}

/**
 * Collects what Chromium refuses on a page for its Content-Security-Policy ("Sending form data
 * to … violates … form-action", "Refused to …"): a sign-in that stops on one never reaches the
 * callback, and the test says why instead of timing out.
 */
export function cspRefusals (page: Page): string[] {
  const refusals: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refusals.push(message.text())
  })
  return refusals
}

export interface SandboxApp {
  url: string
  app: FastifyInstance
  logs: LogCapture
  /** The runtime folder its sandbox key is published in, as npm start does: give it to the CLI. */
  runtimeEnv: { XDG_RUNTIME_DIR: string }
  close: () => Promise<void>
}

export async function startSandboxApp (env: Record<string, string> = {}): Promise<SandboxApp> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const logs = new LogCapture()
  const sandboxKey = newSandboxKey()
  const app = await buildApp(
    parseConfig({ PORT: String(port), REDIRECT_URI: `${url}/oauth`, RATE_LIMIT_PER_MINUTE: '0', ...env }),
    { logStream: logs, sandboxKey }
  )
  await app.listen({ port, host: '127.0.0.1' })
  const runtimeEnv = { XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'wti-run-')) }
  const unpublish = await publishSandboxKey(runtimeEnv, port, sandboxKey)
  return {
    url,
    app,
    logs,
    runtimeEnv,
    close: async () => {
      await app.close()
      await unpublish?.()
    }
  }
}

/**
 * What a browser test file needs: Chromium, the app in dynamic mode and the app in static
 * mode with the given SCOPES (if any). Call inside a describe(); the hooks start and stop them.
 */
export class BrowserFixture {
  browser!: Browser
  app!: SandboxApp
  fixed!: SandboxApp

  /** Without `staticScopes`, no static app is started (and `fixed` stays unset). */
  constructor (staticScopes?: string) {
    before(async () => {
      this.browser = await launch()
      this.app = await startSandboxApp()
      if (staticScopes !== undefined) this.fixed = await startSandboxApp({ MODE: 'static', SCOPES: staticScopes })
    })
    after(async () => {
      await this.browser?.close()
      await this.app?.close()
      await this.fixed?.close()
    })
  }
}
