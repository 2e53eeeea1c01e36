// The Grants and Service App pages as a person meets them, in Chromium: their fields have the
// design of the rest in light and dark, and on a 390 px phone the grants are stacked cards
// with short ids, a copy button for the whole id, and a Revoke button that is never clipped.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { browserUnavailable } from './browser.ts'
import { BrowserFixture, SIGN_IN_PAGE, backFromWebex } from './app.ts'

const skip = browserUnavailable()
const PHONE = { width: 390, height: 844 }

async function signInAsAdmin (page: Page): Promise<void> {
  await page.click('button[type=submit].primary')
  await page.waitForURL(SIGN_IN_PAGE)
  await page.check('#user-admin')
  await page.click('button[value="accept"]')
  await backFromWebex(page)
}

/** The look of each visible text field on the page, beside the page's own background. */
async function fieldLooks (page: Page) {
  return page.evaluate(() => {
    const body = getComputedStyle(document.body).backgroundColor
    return [...document.querySelectorAll('main input:not([type=hidden]):not([type=checkbox]), main textarea')].map(
      (field) => {
        const style = getComputedStyle(field)
        return {
          name: field.getAttribute('name') ?? field.id,
          fontPx: Number.parseFloat(style.fontSize),
          heightPx: field.getBoundingClientRect().height,
          radius: style.borderTopLeftRadius,
          background: style.backgroundColor,
          body
        }
      }
    )
  })
}

/** 0 (black) to 255 (white): how light an rgb() colour is. */
function lightness (rgb: string): number {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number)
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

describe('the Grants and Service App pages in Chromium', { skip }, () => {
  const fx = new BrowserFixture()

  test("their fields have the design of the rest, light and dark: readable text, a real height, the page's colours", async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const ctx = await fx.browser.newContext({ viewport: PHONE, colorScheme })
      const page = await ctx.newPage()
      const seen: string[] = []
      const check = async (where: string) => {
        for (const field of await fieldLooks(page)) {
          seen.push(`${where} ${field.name}`)
          assert.ok(field.fontPx >= 16, `${where} ${field.name}: ${field.fontPx}px text`)
          assert.ok(field.heightPx >= 40, `${where} ${field.name}: ${field.heightPx}px high`)
          assert.equal(field.radius, '6px', `${where} ${field.name}`)
          assert.equal(
            field.background,
            field.body,
            `${where} ${field.name} has the page's background (${colorScheme})`
          )
          if (colorScheme === 'dark') {
            assert.ok(lightness(field.background) < 60, `${where} ${field.name} does not glare: ${field.background}`)
          }
        }
      }
      await page.goto(`${fx.app.url}/grants`)
      await check('grants sign-in')
      await signInAsAdmin(page)
      await check('grants list')
      await page.goto(`${fx.app.url}/service-app`)
      await check('service app sign-in')
      await signInAsAdmin(page)
      await check('service app form')
      for (const wanted of [
        'grants sign-in login_hint',
        'grants list email',
        'service app form application_id',
        'service app form client_secret',
        'service app form target_org_id'
      ]) {
        assert.ok(seen.includes(wanted), `${wanted} was checked`)
      }
      await ctx.close()
    }
  })

  test('on a phone each grant is a card: one-line short id, the whole id copied, Revoke never clipped or covered', async () => {
    const ctx = await fx.browser.newContext({ viewport: PHONE })
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'])
    const page = await ctx.newPage()
    await page.goto(`${fx.app.url}/grants`)
    await signInAsAdmin(page)
    assert.equal(await page.textContent('h1'), 'Grants')
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth
    )
    assert.ok(overflow <= 0, `the page overflows by ${overflow}px`)
    const rows = page.locator('table.grants-table tbody tr')
    const count = await rows.count()
    assert.ok(count >= 3, `${count} grants`)
    for (let i = 0; i < count; i++) {
      const row = rows.nth(i)
      const id = row.locator('code.id')
      const lineHeight = await id.evaluate((el) => Number.parseFloat(getComputedStyle(el).lineHeight) || 20)
      const idBox = await id.boundingBox()
      assert.ok(
        idBox !== null && idBox.height <= lineHeight * 1.5,
        `grant ${i}: the id takes ${idBox?.height}px, one line is ${lineHeight}px`
      )
      const button = row.locator('button[type=submit]')
      await button.scrollIntoViewIfNeeded()
      const box = await button.boundingBox()
      assert.ok(
        box !== null && box.x >= 0 && box.x + box.width <= PHONE.width,
        `grant ${i}: Revoke at ${JSON.stringify(box)}`
      )
      const uncovered = await button.evaluate((el) => {
        const r = el.getBoundingClientRect()
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
        return hit === el || el.contains(hit)
      })
      assert.ok(uncovered, `grant ${i}: Revoke is covered`)
    }
    // The short id is the whole id's tail; Copy id puts the whole id on the clipboard.
    const first = rows.first()
    const whole = (await first.locator('code.id').getAttribute('title')) ?? ''
    assert.ok(whole.length > 40, whole)
    assert.ok(whole.endsWith(((await first.locator('code.id').textContent()) ?? '').replace('…', '')))
    await first.locator('button.copy-text').click()
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), whole)
    assert.equal(await first.locator('button.copy-text').textContent(), 'Copied')
    // Revoke still acts on that whole id.
    await first.locator('button[type=submit]').click()
    await page.waitForURL(/\/grants\/confirm$/)
    assert.ok((await page.content()).includes(whole))
    await ctx.close()
  })
})
