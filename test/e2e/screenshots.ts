// `npm run screenshots`: renders the main pages at 1280 px and 390 px, light and dark, into docs/screenshots/.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { PACKAGE_ROOT } from '../../src/paths.ts'
import { launch } from './browser.ts'
import { SIGN_IN_PAGE, startSandboxApp, backFromWebex } from './app.ts'

const OUT = join(PACKAGE_ROOT, 'docs', 'screenshots')
mkdirSync(OUT, { recursive: true })

const dynamic = await startSandboxApp()
const fixed = await startSandboxApp({
  MODE: 'static',
  SCOPES: 'spark-admin:people_read spark-admin:licenses_read spark-admin:devices_write'
})
const browser = await launch()

async function flowTo (page: Page, base: string, scopes: string[], user: string, decision: 'Accept' | 'Decline') {
  await page.goto(`${base}/`)
  for (const s of scopes) await page.check(`input[value="${s}"]`)
  await page.click('button[type=submit].primary')
  await page.waitForURL(SIGN_IN_PAGE)
  await page.check(`#user-${user}`)
  await page.click(`button[value="${decision.toLowerCase()}"]`)
  await backFromWebex(page)
}

const shots: Array<{ name: string, go: (page: Page) => Promise<void> }> = [
  {
    name: 'home',
    go: async (page) => {
      await page.goto(`${dynamic.url}/?preset=org-directory`)
    }
  },
  {
    name: 'static',
    go: async (page) => {
      await page.goto(`${fixed.url}/`)
    }
  },
  {
    name: 'consent',
    go: async (page) => {
      await page.goto(`${dynamic.url}/`)
      await page.check('input[value="spark-admin:people_read"]')
      await page.click('button[type=submit].primary')
      await page.waitForURL(SIGN_IN_PAGE)
    }
  },
  {
    name: 'tokens',
    go: (page) => flowTo(page, dynamic.url, ['spark-admin:people_read', 'spark-admin:devices_read'], 'admin', 'Accept')
  },
  {
    name: 'error-invalid-scope',
    go: (page) => flowTo(page, dynamic.url, ['spark-admin:people_read'], 'user', 'Accept')
  },
  {
    name: 'error-access-denied',
    go: (page) => flowTo(page, dynamic.url, ['spark-compliance:messages_read'], 'compliance', 'Decline')
  },
  {
    name: 'grants',
    go: async (page) => {
      await page.goto(`${dynamic.url}/grants`)
      await page.click('button[type=submit].primary')
      await page.waitForURL(SIGN_IN_PAGE)
      await page.check('#user-admin')
      await page.click('button[value="accept"]')
      await backFromWebex(page)
    }
  }
]

for (const scheme of ['light', 'dark'] as const) {
  for (const width of [1280, 390]) {
    const context = await browser.newContext({
      viewport: { width, height: 900 },
      colorScheme: scheme,
      deviceScaleFactor: 1
    })
    for (const shot of shots) {
      const page = await context.newPage()
      await shot.go(page)
      await page.screenshot({
        path: join(OUT, `${shot.name}-${width}-${scheme}.png`),
        fullPage: width === 1280 && shot.name !== 'home'
      })
      await page.close()
    }
    await context.close()
  }
}
await browser.close()
await dynamic.close()
await fixed.close()
process.stdout.write(`screenshots written to ${OUT}\n`)
