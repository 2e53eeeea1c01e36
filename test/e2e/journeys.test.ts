// End-to-end journeys in Debian's Chromium against the app in sandbox mode.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { browserUnavailable } from './browser.ts'
import { BrowserFixture, SIGN_IN_PAGE, backFromWebex } from './app.ts'
import { runCliHere } from '../helpers.ts'

const skip = browserUnavailable()

describe('browser journeys', { skip }, () => {
  const fx = new BrowserFixture('spark-admin:people_read,spark-admin:licenses_read')

  async function context (
    options: Parameters<Browser['newContext']>[0] = {}
  ): Promise<{ ctx: BrowserContext, page: Page }> {
    const ctx = await fx.browser.newContext({ viewport: { width: 1280, height: 900 }, ...options })
    return { ctx, page: await ctx.newPage() }
  }

  async function consentAs (
    page: Page,
    user: 'admin' | 'compliance' | 'user',
    decision: 'accept' | 'decline' = 'accept'
  ) {
    await page.waitForURL(SIGN_IN_PAGE)
    await page.check(`#user-${user}`)
    await page.click(`button[value="${decision}"]`)
    await backFromWebex(page)
  }

  test('dynamic flow: search, tick, preset, select-all, summary, Start, accept, tokens, reveal, mask, copy', async () => {
    const { ctx, page } = await context()
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fx.app.url })
    await page.goto(`${fx.app.url}/`)

    await page.fill('#scope-search', 'devices')
    assert.equal(await page.isVisible('li.scope:has(input[value="spark-admin:devices_read"])'), true)
    assert.equal(await page.isVisible('li.scope:has(input[value="spark-admin:people_read"])'), false)
    assert.equal(await page.isVisible('#family-compliance'), false)
    assert.match((await page.textContent('#search-status')) ?? '', /\d+ scopes match/)
    await page.check('input[value="spark-admin:devices_read"]')
    assert.equal(await page.textContent('#summary-string'), 'spark-admin:devices_read')
    await page.fill('#scope-search', '')

    await page.click('a.preset:has-text("Read the org directory")')
    assert.equal(
      await page.textContent('#summary-string'),
      'spark-admin:people_read spark-admin:licenses_read spark-admin:roles_read spark-admin:organizations_read'
    )
    assert.equal(
      await page.isChecked('input[value="spark-admin:devices_read"]'),
      false,
      'a preset replaces the selection'
    )
    assert.match((await page.textContent('[data-count-for="admin"]')) ?? '', /\(4 of 54 selected\)/)

    await page.click('button.select-all[data-family="audit"]')
    assert.equal(await page.isChecked('input[value="audit:events_read"]'), true)
    await page.check('input[value="spark-admin:people_write"]')
    assert.match((await page.textContent('#summary-warnings')) ?? '', /1 write scope \(spark-admin:people_write\)/)
    await page.uncheck('input[value="spark-admin:people_write"]')
    await page.check('input[value="spark-compliance:rooms_read"]')
    assert.match(
      (await page.textContent('#summary-warnings')) ?? '',
      /needs several roles: an admin role and the Compliance Officer role/
    )
    await page.uncheck('input[value="spark-compliance:rooms_read"]')
    await page.check('input[value="spark:all"]')
    await page.check('input[value="spark:rooms_read"]')
    assert.match((await page.textContent('#summary-warnings')) ?? '', /spark:all already covers/)
    await page.uncheck('input[value="spark:rooms_read"]')
    await page.check('input[value="spark:kms"]')
    assert.doesNotMatch((await page.textContent('#summary-warnings')) ?? '', /spark:all already covers/)
    await page.uncheck('input[value="spark:kms"]')
    await page.uncheck('input[value="spark:all"]')
    await page.check('input[value="spark-admin:messages_read"]')
    assert.match(
      (await page.textContent('#summary-warnings')) ?? '',
      /spark-admin:messages_read is deprecated\. Deprecated since 2018: use spark-compliance:messages_read/
    )
    await page.uncheck('input[value="spark-admin:messages_read"]')
    await page.fill('#custom-scopes', 'spark-admin:brand_new_read')
    assert.match((await page.textContent('#summary-warnings')) ?? '', /Not in catalogue: spark-admin:brand_new_read/)
    await page.fill('#custom-scopes', '')

    await page.click('button[type=submit].primary')
    await consentAs(page, 'admin')
    assert.match((await page.textContent('h1')) ?? '', /Your Webex tokens/)
    assert.match((await page.textContent('.who')) ?? '', /Avery Admin/)

    const access = page.locator('#access-token')
    assert.equal(await access.getAttribute('type'), 'password', 'masked by default')
    await page.click('button.reveal[data-reveal="access-token"]')
    assert.equal(await access.getAttribute('type'), 'text')
    assert.equal(await page.getAttribute('button.reveal[data-reveal="access-token"]', 'aria-pressed'), 'true')
    await page.click('button.reveal[data-reveal="access-token"]')
    assert.equal(await access.getAttribute('type'), 'password')

    await page.click('button.copy[data-copy="access-token"]')
    await page.waitForFunction(() => document.getElementById('copy-status')?.textContent !== '')
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await access.inputValue())
    assert.equal(await page.textContent('button.copy[data-copy="access-token"]'), 'Copied')
    assert.match((await page.textContent('#copy-status')) ?? '', /Access token copied/)

    const first = await page.textContent('[data-countdown]')
    assert.match(first ?? '', /^13 d 23 h 59 min \d\d s left$/)
    await page.waitForFunction((before) => document.querySelector('[data-countdown]')?.textContent !== before, first)
    await ctx.close()
  })

  test('the summary copies its scope string and links to the selection; the link opens the page with it chosen', async () => {
    const { ctx, page } = await context()
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fx.app.url })
    await page.goto(`${fx.app.url}/`)
    assert.equal(await page.isVisible('#summary-tools'), false, 'nothing to copy yet')
    await page.check('input[value="spark-admin:people_read"]')
    await page.check('input[value="spark-compliance:rooms_read"]')
    await page.fill('#custom-scopes', 'spark-admin:brand_new_read')
    await page.click('#copy-scopes')
    assert.equal(
      await page.evaluate(() => navigator.clipboard.readText()),
      'spark-admin:people_read spark-compliance:rooms_read spark-admin:brand_new_read'
    )
    const link = (await page.getAttribute('#share-link', 'href')) ?? ''
    assert.equal(
      link,
      '/?scopes=spark-admin%3Apeople_read%20spark-compliance%3Arooms_read%20spark-admin%3Abrand_new_read'
    )
    const other = await ctx.newPage()
    await other.goto(`${fx.app.url}${link}`)
    assert.equal(await other.isChecked('input[value="spark-admin:people_read"]'), true)
    assert.equal(await other.isChecked('input[value="spark-compliance:rooms_read"]'), true)
    assert.equal(await other.inputValue('#custom-scopes'), 'spark-admin:brand_new_read')
    assert.equal(
      await other.textContent('#summary-string'),
      'spark-admin:people_read spark-compliance:rooms_read spark-admin:brand_new_read'
    )
    await ctx.close()
  })

  test("the tokens page's curl line is masked like the token, and Copy copies the whole line", async () => {
    const { ctx, page } = await context()
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fx.app.url })
    await page.goto(`${fx.app.url}/?preset=org-directory`)
    await page.click('button[type=submit].primary')
    await consentAs(page, 'admin')
    assert.equal(await page.getAttribute('#curl-line', 'type'), 'password', 'masked by default')
    await page.click('button.copy[data-copy="curl-line"]')
    const token = await page.inputValue('#access-token')
    assert.equal(
      await page.evaluate(() => navigator.clipboard.readText()),
      `curl -H "Authorization: Bearer ${token}" ${fx.app.url}/sandbox/v1/people/me`
    )
    await ctx.close()
  })

  test('a Service-App-only scope is tagged in its row and warned about in the summary', async () => {
    const { ctx, page } = await context()
    await page.goto(`${fx.app.url}/`)
    assert.equal(
      await page.textContent('li.scope:has(input[value="spark:webrtc_calling"]) .tag-service-app'),
      'Service Apps only'
    )
    await page.check('input[value="spark:webrtc_calling"]')
    assert.match(
      (await page.textContent('#summary-warnings')) ?? '',
      /spark:webrtc_calling is documented for Service App tokens only/
    )
    await page.uncheck('input[value="spark:webrtc_calling"]')
    assert.doesNotMatch((await page.textContent('#summary-warnings')) ?? '', /Service App tokens only/)
    await ctx.close()
  })

  test('decline: the access_denied page, and the way back to the page with the same scopes chosen', async () => {
    const { ctx, page } = await context()
    await page.goto(`${fx.app.url}/`)
    await page.check('input[value="spark-admin:people_read"]')
    await page.click('button[type=submit].primary')
    await consentAs(page, 'admin', 'decline')
    assert.equal(await page.textContent('h1'), 'Access was declined')
    assert.match((await page.textContent('main')) ?? '', /spark-admin:people_read/)
    await page.click('a:has-text("Back to these scopes")')
    await page.waitForURL(`${fx.app.url}/?scopes=spark-admin%3Apeople_read`)
    assert.match((await page.textContent('h1')) ?? '', /Choose the scopes/)
    assert.equal(await page.isChecked('input[value="spark-admin:people_read"]'), true, 'the work is kept')
    await ctx.close()
  })

  test('a user with no admin role asking for admin scopes gets the invalid_scope page explaining the role', async () => {
    const { ctx, page } = await context()
    await page.goto(`${fx.app.url}/?preset=org-directory`)
    await page.click('button[type=submit].primary')
    await consentAs(page, 'user')
    assert.equal(await page.textContent('h1'), 'Webex refused the requested scopes')
    const main = (await page.textContent('main')) ?? ''
    assert.match(
      main,
      /all need the same one: An admin \(full or read-only\)\. Either the user who signed in does not hold it/
    )
    assert.match(main, /No user entitled service in request scopes/)
    await ctx.close()
  })

  test('the compliance officer gets a compliance token', async () => {
    const { ctx, page } = await context()
    await page.goto(`${fx.app.url}/`)
    await page.click('a.preset:has-text("Compliance: read everything")')
    await page.click('button[type=submit].primary')
    await consentAs(page, 'compliance')
    assert.match((await page.textContent('.who')) ?? '', /Casey Compliance/)
    assert.match((await page.textContent('.granted')) ?? '', /spark-compliance:messages_read/)
    await ctx.close()
  })

  test('static mode: the fixed list, and the flow', async () => {
    const { ctx, page } = await context()
    await page.goto(`${fx.fixed.url}/`)
    assert.equal(await page.locator('input[type=checkbox][name=scope]').count(), 0)
    assert.match((await page.textContent('main')) ?? '', /spark-admin:people_read[\s\S]*spark-admin:licenses_read/)
    await page.click('button[type=submit].primary')
    await page.waitForURL(SIGN_IN_PAGE)
    assert.match((await page.textContent('ul.scopes')) ?? '', /spark-admin:people_read\s*spark-admin:licenses_read/)
    await consentAs(page, 'admin')
    assert.match((await page.textContent('h1')) ?? '', /Your Webex tokens/)
    await ctx.close()
  })

  test('refresh from the tokens page, and the downloaded .env, JSON and .ics', async () => {
    const { ctx, page } = await context({ acceptDownloads: true })
    await page.goto(`${fx.app.url}/?preset=org-directory`)
    await page.click('button[type=submit].primary')
    await consentAs(page, 'admin')
    const firstAccess = await page.inputValue('#access-token')
    await page.click('button:has-text("Refresh now")')
    await page.waitForURL(`${fx.app.url}/refresh`)
    assert.equal(await page.textContent('h1'), 'Your renewed Webex tokens')
    const access = await page.inputValue('#access-token')
    const refresh = await page.inputValue('#refresh-token')
    assert.notEqual(access, firstAccess)

    const [envDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-env')])
    const env = parseDotenv(await readFile(await envDownload.path()))
    assert.equal(env.WEBEX_ACCESS_TOKEN, access)
    assert.equal(env.WEBEX_REFRESH_TOKEN, refresh)
    assert.equal(env.WEBEX_ACCESS_TOKEN_EXPIRES_AT, await page.getAttribute('#access-token-expiry', 'datetime'))
    assert.equal(env.WEBEX_REFRESH_TOKEN_EXPIRES_AT, await page.getAttribute('#refresh-token-expiry', 'datetime'))

    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')])
    const json = JSON.parse(await readFile(await jsonDownload.path(), 'utf8')) as Record<string, unknown>
    assert.equal(json.access_token, access)
    assert.equal(json.refresh_token, refresh)
    assert.ok(Array.isArray(json.scopes))

    const [icsDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-ics')])
    const ics = await readFile(await icsDownload.path(), 'utf8')
    assert.match(ics, /BEGIN:VEVENT[\s\S]*SUMMARY:Renew the Webex refresh token/)
    assert.ok(!ics.includes(refresh) && !ics.includes(access), 'the reminder holds no token')
    await ctx.close()
  })

  test("the page's .env and JSON downloads are the CLI's --format env and json files: the CLI reads them back and writes the same fields", async () => {
    const { ctx, page } = await context({ acceptDownloads: true })
    await page.goto(`${fx.app.url}/?preset=org-directory`)
    await page.click('button[type=submit].primary')
    await consentAs(page, 'admin')
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')])
    const [envDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-env')])
    const dir = await mkdtemp(join(tmpdir(), 'wti-downloads-'))
    const [pageJsonPath, pageEnvPath] = [join(dir, 'webex.json'), join(dir, 'webex.env')]
    await jsonDownload.saveAs(pageJsonPath)
    await envDownload.saveAs(pageEnvPath)
    const pageJson = JSON.parse(await readFile(pageJsonPath, 'utf8')) as Record<string, unknown>
    const pageEnv = await readFile(pageEnvPath, 'utf8')
    await ctx.close()

    // The CLI renews from each file at the sandbox that issued it, once that sandbox proves itself.
    const env = { ...fx.app.runtimeEnv, REDIRECT_URI: `${fx.app.url}/oauth` }
    const fromJson = await runCliHere(['refresh', '--in', pageJsonPath, '--format', 'json'], env).done
    assert.equal(fromJson.code, 0, fromJson.stderr)
    const cliJson = JSON.parse(fromJson.stdout) as Record<string, unknown>
    assert.deepEqual(Object.keys(pageJson), Object.keys(cliJson))
    for (const key of ['token_type', 'scope', 'scopes', 'base_url', 'refresh_token']) {
      assert.deepEqual(pageJson[key], cliJson[key], key)
    }
    assert.equal(typeof pageJson.expires_in, 'number')
    assert.deepEqual(pageJson.person, cliJson.person, 'the person is the same')

    const fromEnv = await runCliHere(['refresh', '--in', pageEnvPath, '--format', 'env'], env).done
    assert.equal(fromEnv.code, 0, fromEnv.stderr)
    const names = (text: string) =>
      text
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => /^([A-Z_]+)='[^'\n]*'$/.exec(l)?.[1] ?? `unquoted line: ${l}`)
    assert.deepEqual(names(pageEnv), names(fromEnv.stdout))
    const [pageVars, cliVars] = [parseDotenv(pageEnv), parseDotenv(fromEnv.stdout)]
    assert.equal(pageVars.WEBEX_REFRESH_TOKEN, cliVars.WEBEX_REFRESH_TOKEN)
    assert.equal(pageVars.WEBEX_SCOPES, cliVars.WEBEX_SCOPES)
    assert.equal(pageVars.WEBEX_BASE_URL, cliVars.WEBEX_BASE_URL)
  })

  test('reloading or going back after the flow explains, and shows no tokens', async () => {
    const { ctx, page } = await context()
    await page.goto(`${fx.app.url}/?preset=org-directory`)
    await page.click('button[type=submit].primary')
    await consentAs(page, 'admin')
    await page.reload()
    assert.equal(await page.textContent('h1'), 'This sign-in link is no longer valid')
    assert.equal(await page.locator('#access-token').count(), 0)
    await ctx.close()
  })

  test('with JavaScript disabled the core flow completes and tokens sit in readonly fields', async () => {
    const { ctx, page } = await context({ javaScriptEnabled: false })
    await page.goto(`${fx.app.url}/`)
    await page.check('input[value="spark-admin:people_read"]')
    await page.click('button[type=submit].primary')
    await page.waitForURL(SIGN_IN_PAGE)
    await page.check('#user-admin')
    await page.click('button[value="accept"]')
    // Without script, the callback's page asks for the person's click to hand the code back.
    await page.waitForURL(/\/oauth\?code=/)
    await page.click('#finish-sign-in button[type=submit]')
    await backFromWebex(page)
    const access = page.locator('#access-token')
    assert.equal(await access.getAttribute('type'), 'text')
    assert.equal(await access.getAttribute('readonly'), '')
    assert.match(await access.inputValue(), /_PF84_/)
    await ctx.close()
  })

  test('keyboard only: tick with Space, start with Enter, accept with Enter, focus visible', async () => {
    const { ctx, page } = await context()
    await page.goto(`${fx.app.url}/`)
    const first = 'input[value="spark-admin:people_read"]'
    for (
      let i = 0;
      i < 80 && !(await page.evaluate((sel) => document.activeElement === document.querySelector(sel), first));
      i++
    ) {
      await page.keyboard.press('Tab')
    }
    assert.equal(
      await page.evaluate((sel) => document.activeElement === document.querySelector(sel), first),
      true,
      'the first scope is reachable by Tab'
    )
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)
    assert.notEqual(outline, 'none', 'focus is visible')
    await page.keyboard.press('Space')
    assert.equal(await page.isChecked(first), true)
    await page.focus('button[type=submit].primary')
    await page.keyboard.press('Enter')
    await page.waitForURL(SIGN_IN_PAGE)
    await page.focus('button[value="accept"]')
    await page.keyboard.press('Enter')
    await backFromWebex(page)
    assert.match((await page.textContent('h1')) ?? '', /Your Webex tokens/)
    // Every control on the tokens page can be reached with Tab.
    const controls = await page.locator('main a, main button:visible, main input:visible').count()
    const reached = new Set<string>()
    for (let i = 0; i < controls + 10; i++) {
      await page.keyboard.press('Tab')
      reached.add(
        await page.evaluate(() => {
          const el = document.activeElement
          return el === null ? '' : `${el.tagName}#${el.id}.${el.textContent?.trim() ?? ''}`
        })
      )
    }
    assert.ok([...reached].some((r) => r.startsWith('BUTTON') && r.includes('Copy')))
    assert.ok([...reached].some((r) => r.includes('Refresh now')))
    await ctx.close()
  })

  test('pages fit 320 px and 200% zoom without horizontal scrolling', async () => {
    for (const width of [320, 640]) {
      const { ctx, page } = await context({ viewport: { width, height: 800 } })
      for (const path of ['/', '/refresh', '/check', '/nope']) {
        await page.goto(`${fx.app.url}${path}`)
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth
        )
        assert.ok(overflow <= 0, `${path} at ${width}px overflows by ${overflow}px`)
      }
      await page.goto(`${fx.app.url}/?preset=org-directory`)
      await page.click('button[type=submit].primary')
      await consentAs(page, 'admin')
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth
      )
      assert.ok(overflow <= 0, `tokens page at ${width}px overflows by ${overflow}px`)
      await ctx.close()
    }
  })
})
