// The scope page's layout in Chromium, where a person meets it: a 390 px phone and a 1280×800
// laptop. The Start button is never hidden by the selection panel, the families can be
// reached from the first screen, and the keyboard gets everywhere.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { BrowserContext, Page } from 'playwright-core'
import { browserUnavailable } from './browser.ts'
import { BrowserFixture, SIGN_IN_PAGE } from './app.ts'

const skip = browserUnavailable()
const PHONE = { width: 390, height: 844 }
const LAPTOP = { width: 1280, height: 800 }
const START = 'aside.summary button[type=submit].primary'

/** Whether an element is inside the window and is what a click at its centre would hit (nothing covers it). */
async function onScreenAndUncovered (page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const element = document.querySelector(sel)
    if (element === null) return false
    const box = element.getBoundingClientRect()
    const x = box.left + box.width / 2
    const y = box.top + box.height / 2
    if (box.width === 0 || y < 0 || y > window.innerHeight || x < 0 || x > window.innerWidth) return false
    const hit = document.elementFromPoint(x, y)
    return hit !== null && (hit === element || element.contains(hit))
  }, selector)
}

async function scrollTo (page: Page, fraction: number): Promise<void> {
  await page.evaluate((f) => {
    window.scrollTo(0, (document.documentElement.scrollHeight - window.innerHeight) * f)
  }, fraction)
  await page.waitForTimeout(50)
}

describe('the scope page in Chromium at 390 px and 1280×800', { skip }, () => {
  const fx = new BrowserFixture()

  async function open (
    viewport: { width: number, height: number },
    path: string
  ): Promise<{ ctx: BrowserContext, page: Page }> {
    const ctx = await fx.browser.newContext({ viewport })
    const page = await ctx.newPage()
    await page.goto(`${fx.app.url}${path}`)
    return { ctx, page }
  }

  test('laptop, eDiscovery with delete: the panel never scrolls on its own and Start stays on screen all the way down', async () => {
    const { ctx, page } = await open(LAPTOP, '/?preset=compliance-ediscovery-delete')
    const panel = await page.evaluate(() => {
      const aside = document.querySelector('aside.summary')
      return aside === null
        ? undefined
        : { height: aside.getBoundingClientRect().height, scrolls: aside.scrollHeight > aside.clientHeight }
    })
    assert.ok(panel !== undefined)
    assert.ok(
      panel.height > LAPTOP.height,
      `this preset's panel (${panel.height}px) is the case the issue named: taller than the window`
    )
    assert.equal(panel.scrolls, false, 'the panel has no scroll of its own')
    for (const f of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      await scrollTo(page, f)
      assert.ok(await onScreenAndUncovered(page, START), `Start is on screen and uncovered at ${f * 100}% of the page`)
    }
    // The top of the panel (its heading and warnings) comes back by scrolling the page up.
    await scrollTo(page, 0)
    await page.locator('#summary-h').scrollIntoViewIfNeeded()
    assert.ok(await onScreenAndUncovered(page, '#summary-h'))
    assert.match((await page.textContent('#summary-warnings')) ?? '', /3 write scopes/)
    // From the keyboard: deep in the catalogue, Tab reaches Start through the panel's fields, and Enter starts.
    await scrollTo(page, 0.6)
    await page.focus('#allow-unknown')
    const reached: string[] = []
    for (let i = 0; i < 12 && reached.at(-1) !== 'start'; i++) {
      await page.keyboard.press('Tab')
      reached.push(
        await page.evaluate(() =>
          document.activeElement?.matches('aside.summary button[type=submit]') === true
            ? 'start'
            : (document.activeElement?.id ?? '')
        )
      )
    }
    assert.equal(reached.at(-1), 'start', `Tab went through ${reached.join(', ')}`)
    assert.ok(await onScreenAndUncovered(page, START))
    await page.keyboard.press('Enter')
    await page.waitForURL(SIGN_IN_PAGE)
    await ctx.close()
  })

  test('laptop, a short selection: the panel sticks by its top beside the catalogue', async () => {
    const { ctx, page } = await open(LAPTOP, '/?preset=org-directory')
    await scrollTo(page, 0.5)
    const top = await page.evaluate(() => document.querySelector('aside.summary')?.getBoundingClientRect().top)
    assert.ok(top !== undefined && top >= 0 && top < 20, `panel top at ${String(top)}px`)
    assert.ok(await onScreenAndUncovered(page, '#summary-h'))
    assert.ok(await onScreenAndUncovered(page, START))
    await ctx.close()
  })

  test('phone: a one-line bar names the selection and opens the panel, which sits in the page and is never covered', async () => {
    const { ctx, page } = await open(PHONE, '/?preset=compliance-ediscovery-delete')
    await scrollTo(page, 0.4)
    const bar = page.locator('#summary-bar')
    assert.equal(await bar.isVisible(), true)
    const barBox = await bar.boundingBox()
    assert.ok(
      barBox !== null && barBox.height <= 64 && barBox.y + barBox.height <= PHONE.height + 1,
      `bar: ${JSON.stringify(barBox)}`
    )
    assert.equal(await page.textContent('#summary-bar-count'), '9 scopes · 1 warning')
    // The bar is one line, not the panel: it covers under 8% of the screen (the pinned panel took 38%).
    assert.ok((barBox?.height ?? 0) / PHONE.height < 0.08)
    await page.click('#summary-bar-open')
    await page.waitForFunction(() => document.activeElement?.id === 'summary-h')
    assert.ok(await onScreenAndUncovered(page, '#summary-h'), 'the panel opens at its heading')
    assert.match((await page.textContent('#summary-warnings')) ?? '', /3 write scopes/)
    assert.equal(await bar.isVisible(), false, 'the bar steps aside while the panel is on screen')
    // The Start button is reached by scrolling the page, and nothing covers it there.
    await page.locator(START).scrollIntoViewIfNeeded()
    assert.ok(await onScreenAndUncovered(page, START))
    await scrollTo(page, 1)
    assert.ok(await onScreenAndUncovered(page, START), 'Start at the end of the page, not under the bar')
    await page.click(START)
    await page.waitForURL(SIGN_IN_PAGE)
    await ctx.close()
  })

  test('phone: the bar follows the ticks, and a focused checkbox is never under it', async () => {
    const { ctx, page } = await open(PHONE, '/')
    await scrollTo(page, 0.3)
    assert.equal(await page.textContent('#summary-bar-count'), 'No scope selected')
    await page.check('input[value="spark-admin:people_read"]')
    await page.check('input[value="spark-admin:people_write"]')
    assert.equal(await page.textContent('#summary-bar-count'), '2 scopes · 1 warning')
    // Tab through a stretch of the catalogue: each focused box is on screen and not under the bar.
    await page.focus('input[value="spark-admin:people_write"]')
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab')
      const id = await page.evaluate(() => document.activeElement?.id ?? '')
      assert.ok(id !== '')
      assert.ok(await onScreenAndUncovered(page, `[id="${id}"]`), `#${id} is covered or off screen after Tab`)
    }
    await ctx.close()
  })

  test('the first screen lists every family with its size; a family link jumps to it; the counts follow the ticks', async () => {
    for (const viewport of [LAPTOP, PHONE]) {
      const { ctx, page } = await open(viewport, '/')
      const links = page.locator('nav.family-nav a')
      const families = await page.locator('fieldset[data-family]').count()
      assert.equal(await links.count(), families + 1, 'one link per family and one for Other scopes')
      const navBottom = await page.evaluate(
        () => document.querySelector('nav.family-nav')?.getBoundingClientRect().top ?? Infinity
      )
      assert.ok(navBottom < viewport.height, `the family list starts on the first screen at ${viewport.width}px`)
      const compliance = await page.locator('fieldset[data-family=compliance] input[name=scope]').count()
      assert.equal((await page.textContent('[data-nav-count-for=compliance]'))?.trim(), String(compliance))
      await page.click('nav.family-nav a[href="#family-compliance"]')
      await page.waitForFunction(() => {
        const top = document.getElementById('family-compliance')?.getBoundingClientRect().top ?? -1
        return top >= 0 && top < 40
      })
      await page.check('input[value="spark-compliance:messages_read"]')
      assert.equal(await page.textContent('[data-nav-count-for=compliance]'), `1 of ${compliance}`)
      await ctx.close()
    }
  })

  test('the presets open on a blank page and stay folded when the page arrives with a selection', async () => {
    const { ctx, page } = await open(LAPTOP, '/')
    assert.equal(await page.getAttribute('details.presets', 'open'), '')
    await page.goto(`${fx.app.url}/?preset=org-directory`)
    assert.equal(await page.getAttribute('details.presets', 'open'), null)
    await ctx.close()
  })
})
