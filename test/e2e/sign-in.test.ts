// Every sign-in the app starts, in Chromium, through the sandbox's cross-origin hop: the app on
// 127.0.0.1, the sign-in page on localhost, as Webex's authorize hands the browser on to its
// identity service. Chromium checks each redirect of a form's navigation against the page's
// form-action; a fetch-based test never sees that.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { browserUnavailable } from './browser.ts'
import { BrowserFixture, cspRefusals, SIGN_IN_PAGE, backFromWebex } from './app.ts'

const skip = browserUnavailable()

describe("sign-ins cross origins as Webex's do", { skip }, () => {
  const fx = new BrowserFixture('spark-admin:people_read spark-admin:licenses_read')

  /** A fresh page that records every URL its main frame lands on and every CSP refusal. */
  async function watchedPage () {
    const ctx = await fx.browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await ctx.newPage()
    const visited: string[] = []
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url())
    })
    return { ctx, page, visited, refusals: cspRefusals(page) }
  }

  /** From the press of the page's start button to the callback, as `user`, with no step refused. */
  async function signIn (
    page: Page,
    refusals: string[],
    visited: string[],
    appUrl: string,
    user: 'admin' | 'compliance'
  ) {
    await page.click('button[type=submit].primary')
    await page.waitForURL(SIGN_IN_PAGE).catch((err: unknown) => {
      throw new Error(`the sign-in page was not reached: ${refusals.join(' | ') || String(err)}`)
    })
    assert.notEqual(new URL(page.url()).origin, appUrl, 'the sign-in page is on another origin')
    await page.check(`#user-${user}`)
    await page.click('button[value="accept"]')
    await backFromWebex(page)
    assert.deepEqual(refusals, [])
    // The hand-off page, then the sign-in on the other origin, then the callback on the app's.
    const origins = visited.map((url) => new URL(url).origin)
    const signInAt = origins.findIndex((origin) => origin !== appUrl)
    assert.ok(signInAt > 0 && origins.at(-1) === appUrl, `the chain went ${visited.join(' → ')}`)
  }

  test("the dynamic page's selection signs in and shows the tokens", async () => {
    const { ctx, page, visited, refusals } = await watchedPage()
    await page.goto(`${fx.app.url}/`)
    await page.check('input[value="spark-admin:people_read"]')
    await signIn(page, refusals, visited, fx.app.url, 'admin')
    assert.match((await page.textContent('h1')) ?? '', /Your Webex tokens/)
    await ctx.close()
  })

  test('a compliance selection signs in the compliance officer', async () => {
    const { ctx, page, visited, refusals } = await watchedPage()
    await page.goto(`${fx.app.url}/?preset=compliance-read`)
    await signIn(page, refusals, visited, fx.app.url, 'compliance')
    assert.match((await page.textContent('h1')) ?? '', /Your Webex tokens/)
    assert.match((await page.textContent('main')) ?? '', /spark-compliance:/)
    await ctx.close()
  })

  test('the static page signs in for its fixed scopes', async () => {
    const { ctx, page, visited, refusals } = await watchedPage()
    await page.goto(`${fx.fixed.url}/`)
    await signIn(page, refusals, visited, fx.fixed.url, 'admin')
    assert.match((await page.textContent('h1')) ?? '', /Your Webex tokens/)
    await ctx.close()
  })

  test("the Grants page's own sign-in ends on the list of grants", async () => {
    const { ctx, page, visited, refusals } = await watchedPage()
    await page.goto(`${fx.app.url}/grants`)
    await signIn(page, refusals, visited, fx.app.url, 'admin')
    assert.equal(await page.textContent('h1'), 'Grants')
    await ctx.close()
  })

  test("the Service App page's own sign-in ends on its form", async () => {
    const { ctx, page, visited, refusals } = await watchedPage()
    await page.goto(`${fx.app.url}/service-app`)
    await signIn(page, refusals, visited, fx.app.url, 'admin')
    assert.equal(await page.textContent('h1'), 'Service App tokens')
    assert.equal(await page.isVisible('input[name="client_secret"], #client-secret'), true)
    await ctx.close()
  })

  test('after invalid_scope over two roles, "Sign in with only these" signs in again with that group alone', async () => {
    const { ctx, page, visited, refusals } = await watchedPage()
    await page.goto(`${fx.app.url}/`)
    await page.check('input[value="spark-admin:people_read"]')
    await page.check('input[value="spark-compliance:messages_read"]')
    await signIn(page, refusals, visited, fx.app.url, 'compliance')
    assert.equal(await page.textContent('h1'), 'Webex refused the requested scopes')
    assert.match((await page.textContent('#role-explanation')) ?? '', /These scopes need 2 different roles/)
    await page
      .locator('form.retry-group', { has: page.locator('input[value="spark-compliance:messages_read"]') })
      .locator('button')
      .click()
    await page.waitForURL(SIGN_IN_PAGE)
    await page.check('#user-compliance')
    await page.click('button[value="accept"]')
    await backFromWebex(page)
    assert.deepEqual(refusals, [])
    assert.match((await page.textContent('h1')) ?? '', /Your Webex tokens/)
    await ctx.close()
  })

  // Security review 3, finding 1, as an attacker would do it: another local user starts a sign-in
  // of their own (a sealed flow cookie, their own code), then serves a page on another port of
  // this machine that sets that cookie (cookies do not keep ports apart) and links to the
  // callback. Chromium sends Sec-Fetch-Site: same-site; the app refuses instead of signing the
  // admin in as the attacker.
  test('a callback reached from another port of this machine (cookie tossing) is refused', async () => {
    const { createServer } = await import('node:http')
    const { Browser: FetchBrowser, startFlow, consent } = await import('../helpers.ts')
    const attacker = new FetchBrowser()
    const start = await startFlow(attacker, fx.app.url, ['spark-admin:people_read'])
    const back = await consent(attacker, start.location ?? '', 'user')
    const cookies = (await attacker.jar.getCookies(back.location ?? '')).filter((c) => c.key.startsWith('wti_flow_'))
    assert.equal(cookies.length, 1)
    const tossed = cookies[0]
    const other = createServer((_req, res) => {
      res
        .writeHead(200, {
          'content-type': 'text/html',
          'set-cookie': `${tossed?.key ?? ''}=${tossed?.value ?? ''}; Path=/oauth; HttpOnly; SameSite=Lax`
        })
        .end(`<a id="go" href="${(back.location ?? '').replace(/&/g, '&amp;')}">continue</a>`)
    })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const address = other.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const { ctx, page } = await watchedPage()
    try {
      await page.goto(`http://127.0.0.1:${port}/`)
      await Promise.all([page.waitForURL(/\/oauth\?/), page.click('#go')])
      const main = (await page.textContent('main')) ?? ''
      assert.match(main, /Sec-Fetch-Site: same-site/)
      assert.doesNotMatch(main, /Robin User|access-token/, 'not signed in as the attacker')
    } finally {
      other.close()
      await Promise.all([ctx.close(), attacker.close()])
    }
  })

  // Security review 4, finding 2: the same toss through a hop on another site. The page that
  // sets the cookie is on 127.0.0.1:Q; it sends the browser through localhost:Q, which redirects
  // to the callback, so Chromium's Sec-Fetch-Site is cross-site, as from Webex. The callback's
  // page finds no mark of the sign-in in this origin's storage and refuses, exchanging nothing.
  test('a tossed cookie through a cross-site hop does not sign the browser in as the attacker', async () => {
    const { createServer } = await import('node:http')
    const { Browser: FetchBrowser, startFlow, consent } = await import('../helpers.ts')
    const attacker = new FetchBrowser()
    const start = await startFlow(attacker, fx.app.url, ['spark-admin:people_read'])
    const back = await consent(attacker, start.location ?? '', 'admin')
    const callback = back.location ?? ''
    let bounced = 0
    const tossed = (await attacker.jar.getCookies(callback)).find((c) => c.key.startsWith('wti_flow_'))
    assert.ok(tossed !== undefined)
    const other = createServer((req, res) => {
      if (req.url === '/bounce') {
        bounced++
        res.writeHead(302, { location: callback }).end()
        return
      }
      res
        .writeHead(200, {
          'content-type': 'text/html',
          'set-cookie': `${tossed.key}=${tossed.value}; Path=/oauth; HttpOnly; SameSite=Lax`
        })
        .end(`<meta http-equiv="refresh" content="0; url=http://localhost:${String((other.address() as { port: number }).port)}/bounce">`)
    })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const port = (other.address() as { port: number }).port
    const { ctx, page, visited } = await watchedPage()
    const posts: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.url())
    })
    try {
      await page.goto(`http://127.0.0.1:${port}/`)
      await page.waitForSelector('#not-this-browser:not([hidden])', { timeout: 10_000 }).catch(async (err: unknown) => {
        throw new Error(`${String(err)}: at ${page.url()} after ${visited.join(' → ')}: ${(await page.textContent('main').catch(() => '')) ?? ''}`)
      })
      assert.equal(bounced, 1, 'the browser went through the hop on the other site')
      assert.ok(new URL(page.url()).searchParams.has('code'), 'the cross-site hop reached the callback')
      const main = (await page.textContent('main')) ?? ''
      assert.match(main, /This sign-in was not started in this browser/)
      assert.equal(await page.textContent('main h1'), 'Sign-in stopped')
      assert.equal(await page.isVisible('#finish-sign-in'), false)
      assert.doesNotMatch(main, /Avery Admin|Your Webex tokens/, 'not signed in as the attacker')
      assert.deepEqual(posts, [], 'the code was never handed back')
    } finally {
      other.close()
      await Promise.all([ctx.close(), attacker.close()])
    }
  })

  test('without JavaScript, the hand-off page reaches the sign-in, and the callback asks for a click that finishes it', async () => {
    const ctx = await fx.browser.newContext({ javaScriptEnabled: false })
    const page = await ctx.newPage()
    const refusals = cspRefusals(page)
    await page.goto(`${fx.app.url}/?preset=org-directory`)
    await page.click('button[type=submit].primary')
    await page.waitForURL(SIGN_IN_PAGE)
    await page.check('#user-admin')
    await page.click('button[value="accept"]')
    await page.waitForURL(/\/oauth\?code=/)
    assert.match((await page.textContent('main')) ?? '', /Continue only if you started this sign-in yourself/)
    await page.click('#finish-sign-in button[type=submit]')
    await backFromWebex(page)
    assert.match((await page.textContent('h1')) ?? '', /Your Webex tokens/)
    assert.deepEqual(refusals, [])
    await ctx.close()
  })

  // What the journeys above guard against: were a form's navigation to reach the sign-in by
  // redirects, as /start once did, Chromium would stop it at the hop to the other origin.
  test('Chromium refuses a form whose redirects reach the sign-in origin: the hop is real', async () => {
    const { ctx, page, refusals } = await watchedPage()
    await page.goto(`${fx.app.url}/`)
    const authorize = `${fx.app.url}/sandbox/v1/authorize`
    await page.evaluate((action) => {
      const form = document.createElement('form')
      form.method = 'get'
      form.action = action
      for (const [name, value] of [
        ['response_type', 'code'],
        ['client_id', 'C0sandbox0webex0token0issuer0demo0integration'],
        ['redirect_uri', `${location.origin}/oauth`],
        ['scope', 'spark:kms'],
        ['state', 'x']
      ]) {
        const input = document.createElement('input')
        input.type = 'hidden'
        input.name = name ?? ''
        input.value = value ?? ''
        form.append(input)
      }
      document.body.append(form)
      form.submit()
    }, authorize)
    await page.waitForEvent('console', { predicate: (message) => /form-action/.test(message.text()), timeout: 10_000 })
    assert.match(refusals.join('\n'), /violates the following Content Security Policy directive: "form-action/)
    assert.doesNotMatch(page.url(), SIGN_IN_PAGE)
    await ctx.close()
  })
})
