// The token lifecycle in the browser over HTTP: refresh from the tokens page and from
// GET /refresh, the check page, cross-site protection, and the headers of token pages.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { appForSuite, Browser, field, runFlow, type Page } from './helpers.ts'

function hidden (html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]
}

function assertTokenPageHeaders (page: Page) {
  assert.equal(page.headers['cache-control'], 'no-store')
  assert.equal(page.headers['referrer-policy'], 'no-referrer')
  const csp = String(page.headers['content-security-policy'])
  assert.match(csp, /script-src 'self'(;|$)/)
  assert.doesNotMatch(csp, /unsafe-inline/)
  assert.match(csp, /frame-ancestors 'none'/)
  assert.doesNotMatch(page.url, /_PF84_/)
}

describe('the token lifecycle pages', () => {
  const app = appForSuite()

  test('Refresh now on the tokens page runs the refresh grant and shows the new tokens', async () => {
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assertTokenPageHeaders(final)
    const refreshToken = hidden(final.body, 'refresh_token')
    assert.equal(refreshToken, field(final.body, 'refresh-token'))
    const renewed = await browser.fetch(`${app.url}/refresh`, {
      form: {
        refresh_token: refreshToken ?? '',
        refresh_token_expires_at: hidden(final.body, 'refresh_token_expires_at') ?? ''
      },
      headers: { origin: app.url }
    })
    assert.equal(renewed.status, 200)
    assertTokenPageHeaders(renewed)
    assert.match(renewed.body, /Your renewed Webex tokens/)
    const issued = app.emulator.emulator.issued.at(-1)
    assert.equal(field(renewed.body, 'access-token'), issued?.accessToken)
    assert.equal(field(renewed.body, 'refresh-token'), issued?.refreshToken)
    assert.notEqual(field(renewed.body, 'access-token'), field(final.body, 'access-token'))
    assert.match(renewed.body, /Avery Admin/)
    assert.match(renewed.body, /Sandbox Org \(demo\)/, 'the org name comes from GET /organizations')
    await browser.close()
  })

  test('a refresh answer without refresh_token keeps the old one, with its expiry', async () => {
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    const refreshToken = hidden(final.body, 'refresh_token') ?? ''
    const expiresAt = hidden(final.body, 'refresh_token_expires_at') ?? ''
    app.emulator.emulator.omitRefreshToken = true
    const renewed = await browser.fetch(`${app.url}/refresh`, {
      form: { refresh_token: refreshToken, refresh_token_expires_at: expiresAt }
    })
    app.emulator.emulator.omitRefreshToken = false
    assert.equal(renewed.status, 200)
    assert.equal(field(renewed.body, 'refresh-token'), refreshToken)
    assert.match(renewed.body, /Webex sent no new refresh token/)
    assert.ok(renewed.body.includes(`datetime="${expiresAt}"`))
    await browser.close()
  })

  test('GET /refresh takes a pasted refresh token; a bad one gets a clear page', async () => {
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    const page = await browser.fetch(`${app.url}/refresh`)
    assert.equal(page.status, 200)
    assert.match(page.body, /<textarea id="refresh-input" name="refresh_token"/)
    const renewed = await browser.fetch(`${app.url}/refresh`, {
      form: { refresh_token: `  ${hidden(final.body, 'refresh_token') ?? ''}\n` }
    })
    assert.equal(renewed.status, 200)
    const unknown = await browser.fetch(`${app.url}/refresh`, {
      form: { refresh_token: 'NotARealRefreshToken_PF84_x' }
    })
    assert.equal(unknown.status, 400)
    assert.match(unknown.body, /Webex rejected the authorization code or refresh token/)
    const garbage = await browser.fetch(`${app.url}/refresh`, { form: { refresh_token: 'two words <b>' } })
    assert.equal(garbage.status, 400)
    assert.match(garbage.body, /refresh token field is not a token/)
    assert.doesNotMatch(garbage.body, /<b>/)
    await browser.close()
  })

  test('cross-site POSTs are refused, same-site ones pass', async () => {
    const browser = new Browser()
    const attacks: Array<Record<string, string>> = [
      { origin: 'http://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null' }
    ]
    for (const headers of attacks) {
      for (const path of ['/refresh', '/check', '/start']) {
        const page = await browser.fetch(`${app.url}${path}`, {
          form: { refresh_token: 'x', access_token: 'x', scope: 'spark:kms' },
          headers
        })
        assert.equal(page.status, 403, `${path} ${JSON.stringify(headers)}`)
        assert.match(page.body, /sent from another site/)
      }
    }
    // Neither Sec-Fetch-Site nor Origin: what an old browser sends on a cross-site form (review finding 6).
    for (const path of ['/refresh', '/check', '/start']) {
      const bare = await request(`${app.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'refresh_token=x&access_token=x&scope=spark%3Akms'
      })
      assert.equal(bare.statusCode, 403, path)
      assert.match(await bare.body.text(), /neither Sec-Fetch-Site nor Origin/)
    }
    const same = await browser.fetch(`${app.url}/start`, {
      form: { scope: 'spark:kms' },
      headers: { 'sec-fetch-site': 'same-origin', origin: app.url }
    })
    assert.equal(same.status, 200)
    const byOrigin = await browser.fetch(`${app.url}/start`, {
      form: { scope: 'spark:kms' },
      headers: { origin: app.url }
    })
    assert.equal(byOrigin.status, 200)
    await browser.close()
  })

  test('the check page names the owner, org and expiry of a good token', async () => {
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['spark-compliance:rooms_read'], 'compliance')
    const token = field(final.body, 'access-token') ?? ''
    const page = await browser.fetch(`${app.url}/check`, { form: { access_token: token } })
    assert.equal(page.status, 200)
    assertTokenPageHeaders(page)
    assert.match(page.body, /This token is valid/)
    assert.match(page.body, /Casey Compliance/)
    assert.match(page.body, /in 14 days/)
    assert.ok(!page.body.includes(token), 'the checked token is not echoed back')
    await browser.close()
  })

  test('the check page with an expired token and with garbage', async () => {
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    const token = field(final.body, 'access-token') ?? ''
    app.emulator.emulator.expireAccessToken(token)
    const expired = await browser.fetch(`${app.url}/check`, { form: { access_token: token } })
    assert.equal(expired.status, 401)
    assert.match(expired.body, /Webex does not accept this access token/)
    const unknown = await browser.fetch(`${app.url}/check`, {
      form: { access_token: 'ZmFrZQ_PF84_5b1f2e3a-8c4d-4f6e-9a7b-0c1d2e3f4a5b' }
    })
    assert.equal(unknown.status, 401)
    const garbage = await browser.fetch(`${app.url}/check`, { form: { access_token: '"><script>' } })
    assert.equal(garbage.status, 400)
    assert.doesNotMatch(garbage.body, /"><script>/)
    const empty = await browser.fetch(`${app.url}/check`, { form: {} })
    assert.equal(empty.status, 400)
    await browser.close()
  })

  test('tokens never appear in a URL the app builds, and the log holds none of the refreshed or checked tokens', async () => {
    const browser = new Browser()
    const { start, back, final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    const refreshToken = hidden(final.body, 'refresh_token') ?? ''
    const renewed = await browser.fetch(`${app.url}/refresh`, { form: { refresh_token: refreshToken } })
    await browser.fetch(`${app.url}/check`, { form: { access_token: field(renewed.body, 'access-token') ?? '' } })
    for (const page of [start, back, final, renewed]) {
      assert.doesNotMatch(page.location ?? '', /_PF84_/)
      assert.doesNotMatch(page.body, /href="[^"]*_PF84_/)
    }
    for (const token of [
      refreshToken,
      field(final.body, 'access-token'),
      field(renewed.body, 'access-token'),
      field(renewed.body, 'refresh-token')
    ]) {
      assert.ok(token !== undefined && token.length > 20)
      assert.ok(!app.logs.text.includes(token))
    }
    await browser.close()
  })
})
