// axe-core on every page, light and dark: no serious or critical violation; the rest are listed.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Result, RunOptions } from 'axe-core'
import type { BrowserContext, Page } from 'playwright-core'
import { browserUnavailable } from './browser.ts'
import { BrowserFixture, SIGN_IN_PAGE, backFromWebex } from './app.ts'

const skip = browserUnavailable()
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/**
 * axe-core's violations on the page as it is now (within a part of it, if given). axe is put
 * into the page once per load and run there; only violations are collected.
 */
async function axeViolations (page: Page, runOnly: RunOptions['runOnly'], within?: string): Promise<Result[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE)
  return await page.evaluate(
    async ([runOnly, within]) => {
      const { axe } = window as unknown as { axe: typeof import('axe-core') }
      return (await axe.run(within ?? document, { runOnly, resultTypes: ['violations'] })).violations
    },
    [runOnly, within] as const
  )
}

describe('accessibility', { skip }, () => {
  const fx = new BrowserFixture('spark-admin:people_read spark-admin:devices_write')

  async function flow (page: Page, preset: string, user: string, decision: string) {
    await page.goto(`${fx.app.url}/?preset=${preset}`)
    await page.click('button[type=submit].primary')
    await page.waitForURL(SIGN_IN_PAGE)
    await page.check(`#user-${user}`)
    await page.click(`button[value="${decision}"]`)
    await backFromWebex(page)
  }

  /** `within`: only that part is checked, where the rest of the page is one checked whole already. */
  const PHONE = { width: 390, height: 844 }
  const pages: Array<{ name: string, go: (page: Page) => Promise<unknown>, within?: string, phone?: boolean }> = [
    { name: 'home (dynamic)', go: (page) => page.goto(`${fx.app.url}/`) },
    // The scope page with the problem box on top: the box is what differs from 'home (dynamic)'.
    {
      name: 'home with a problem',
      go: async (page) => {
        await page.goto(`${fx.app.url}/`)
        await page.click('button[type=submit].primary')
        await page.waitForSelector('[role=alert]')
      },
      within: '[role=alert]'
    },
    { name: 'home (static)', go: (page) => page.goto(`${fx.fixed.url}/`) },
    {
      name: 'sandbox consent page',
      go: async (page) => {
        await page.goto(`${fx.app.url}/?preset=org-directory`)
        await page.click('button[type=submit].primary')
        await page.waitForURL(SIGN_IN_PAGE)
      }
    },
    {
      name: 'sandbox mismatch page',
      go: (page) => page.goto(`${fx.app.url}/sandbox/v1/authorize?client_id=nope&redirect_uri=x`)
    },
    { name: 'tokens', go: (page) => flow(page, 'org-directory', 'admin', 'accept') },
    { name: 'error: access_denied', go: (page) => flow(page, 'org-directory', 'admin', 'decline') },
    { name: 'error: invalid_scope', go: (page) => flow(page, 'org-directory', 'user', 'accept') },
    { name: 'error: state_invalid', go: (page) => page.goto(`${fx.app.url}/oauth?code=x&state=y`) },
    { name: 'error: not_found', go: (page) => page.goto(`${fx.app.url}/nope`) },
    { name: 'refresh page', go: (page) => page.goto(`${fx.app.url}/refresh`) },
    { name: 'check page', go: (page) => page.goto(`${fx.app.url}/check`) },
    { name: 'grants intro', go: (page) => page.goto(`${fx.app.url}/grants`) },
    { name: 'grants list', go: (page) => grants(page) },
    {
      name: 'grants confirmation',
      go: async (page) => {
        await grants(page)
        await page.locator('form[action="/grants/confirm"] button').first().click()
        await page.waitForURL(/\/grants\/confirm$/)
      }
    },
    { name: 'service app intro', go: (page) => page.goto(`${fx.app.url}/service-app`) },
    {
      name: 'service app form',
      go: async (page) => {
        await page.goto(`${fx.app.url}/service-app`)
        await page.click('button[type=submit].primary')
        await page.waitForURL(SIGN_IN_PAGE)
        await page.check('#user-admin')
        await page.click('button[value="accept"]')
        await backFromWebex(page)
      }
    },
    { name: 'sandbox device page', go: (page) => page.goto(`${fx.app.url}/sandbox/v1/device`) },
    // At 390 px: the scope page with its one-line bar showing, and the grants as stacked cards.
    {
      name: 'home at 390 px, its selection bar showing',
      phone: true,
      go: async (page) => {
        await page.goto(`${fx.app.url}/?preset=compliance-ediscovery-delete`)
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 3))
        await page.waitForSelector('#summary-bar:not(.away)', { state: 'visible' })
      }
    },
    { name: 'grants list at 390 px', phone: true, go: (page) => grants(page) }
  ]

  /** The Grants sign-in as the sandbox's full admin, ending on the list. */
  async function grants (page: Page) {
    await page.goto(`${fx.app.url}/grants`)
    await page.click('button[type=submit].primary')
    await page.waitForURL(SIGN_IN_PAGE)
    await page.check('#user-admin')
    await page.click('button[value="accept"]')
    await backFromWebex(page)
  }

  // One browser page for all: a new context per check (a new renderer process, its code not yet
  // compiled) cost four times the check itself. Cookies are cleared between checks instead.
  let ctx: BrowserContext
  let page: Page
  before(async () => {
    ctx = await fx.browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await ctx.newPage()
  })
  after(async () => {
    await ctx?.close()
  })

  // Each page is checked in light with every rule, then switched to dark on the same load and
  // checked again for what a colour scheme changes (contrast).
  for (const { name, go, within, phone } of pages) {
    test(`${name} has no serious or critical axe violation, light or dark`, async () => {
      await ctx.clearCookies()
      await page.setViewportSize(phone === true ? PHONE : { width: 1280, height: 900 })
      await page.emulateMedia({ colorScheme: 'light' })
      await go(page)
      const light = await axeViolations(
        page,
        { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
        within
      )
      await page.emulateMedia({ colorScheme: 'dark' })
      const dark = await axeViolations(
        page,
        { type: 'rule', values: ['color-contrast', 'color-contrast-enhanced', 'link-in-text-block'] },
        within
      )
      const found = [...light.map((v) => ({ ...v, scheme: 'light' })), ...dark.map((v) => ({ ...v, scheme: 'dark' }))]
      const blocking = found.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      const minor = found.filter((v) => !blocking.includes(v))
      if (minor.length > 0) {
        process.stdout.write(
          `# axe, ${name}, minor: ${minor.map((v) => `${v.id} (${v.scheme}, ${v.impact ?? '?'}, ${v.nodes.length})`).join(', ')}\n`
        )
      }
      assert.deepEqual(
        blocking.map(
          (v) =>
            `${v.scheme} ${v.id}: ${v.help} → ${v.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 3)
              .join(' | ')}`
        ),
        []
      )
    })
  }
})
