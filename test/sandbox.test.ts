// Sandbox mode: no CLIENT_ID, the emulator embedded on the app's own port, as `npm start` runs it.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildApp } from '../src/app.ts'
import { parseConfig } from '../src/config/index.ts'
import { Browser, field, freePort, LogCapture, runFlow, signInPage } from './helpers.ts'
import type { FastifyInstance } from 'fastify'

describe('the embedded sandbox', () => {
  let app: FastifyInstance
  let url: string
  before(async () => {
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    app = await buildApp(parseConfig({ PORT: String(port), REDIRECT_URI: `${url}/oauth` }), {
      logStream: new LogCapture()
    })
    await app.listen({ port, host: '127.0.0.1' })
  })
  after(async () => {
    await app.close()
  })

  test("a flow through the embedded emulator shows the demo user's tokens, name, email and org", async () => {
    const browser = new Browser()
    const { start, final } = await runFlow(browser, url, ['spark-admin:people_read', 'spark-admin:licenses_read'])
    assert.ok(start.location?.startsWith(`${url}/sandbox/v1/authorize?`))
    assert.equal(final.status, 200)
    assert.match(field(final.body, 'access-token') ?? '', /_PF84_5b1f2e3a-8c4d-4f6e-9a7b-0c1d2e3f4a5b$/)
    assert.match(field(final.body, 'refresh-token') ?? '', /_PF84_/)
    assert.match(final.body, /Avery Admin/)
    assert.match(final.body, /avery\.admin@sandbox\.example\.com/)
    assert.match(final.body, /Org ID<\/dt><dd><code>[A-Za-z0-9_-]+<\/code>/)
    await browser.close()
  })

  test('every page of the app carries the sandbox banner', async () => {
    const browser = new Browser()
    const home = await browser.fetch(`${url}/`)
    const { start, final } = await runFlow(browser, url, ['spark-admin:people_read'], 'user')
    const consentPage = await signInPage(browser, start.location ?? '')
    const missing = await browser.fetch(`${url}/nope`)
    for (const page of [home, final, consentPage, missing]) {
      assert.match(page.body, /class="sandbox-banner"[^>]*><strong>SANDBOX<\/strong>/)
    }
    await browser.close()
  })

  test('the emulator refuses an unregistered redirect URI with a mismatch page and no redirect', async () => {
    const browser = new Browser()
    const page = await signInPage(
      browser,
      `${url}/sandbox/v1/authorize?response_type=code&client_id=C0sandbox0webex0token0issuer0demo0integration&redirect_uri=${encodeURIComponent('http://evil.example/cb')}&scope=spark%3Akms&state=x`
    )
    assert.equal(page.status, 400)
    assert.equal(page.location, undefined)
    assert.match(page.body, /Configuration mismatch/)
    const unknownClient = await signInPage(
      browser,
      `${url}/sandbox/v1/authorize?response_type=code&client_id=Cnope&redirect_uri=${encodeURIComponent(`${url}/oauth`)}&scope=spark%3Akms`
    )
    assert.equal(unknownClient.status, 400)
    assert.match(unknownClient.body, /not registered/)
    await browser.close()
  })

  test("the consent decision needs the same proof of origin as the app's own forms", async () => {
    const browser = new Browser()
    const start = await browser.fetch(`${url}/start`, { form: { scope: 'spark:kms' } })
    const page = await signInPage(browser, start.location ?? '')
    const requestId = /name="request" value="([0-9a-f]+)"/.exec(page.body)?.[1] ?? ''
    const form = { request: requestId, user: 'admin', decision: 'accept' }
    const attacks: Array<Record<string, string>> = [
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'http://evil.example' },
      { origin: '' }
    ]
    for (const headers of attacks) {
      const refused = await browser.fetch(`${url}/sandbox/v1/authorize/decision`, { form, headers })
      assert.equal(refused.status, 403, JSON.stringify(headers))
    }
    const accepted = await browser.fetch(`${url}/sandbox/v1/authorize/decision`, { form })
    assert.equal(accepted.status, 302)
    await browser.close()
  })

  test('healthz answers', async () => {
    const browser = new Browser()
    const page = await browser.fetch(`${url}/healthz`)
    assert.equal(page.status, 200)
    assert.deepEqual(JSON.parse(page.body), { status: 'ok', service: 'webex-token-issuer' })
    await browser.close()
  })
})

// Review finding 4: a web page firing <img> requests at localhost could fill the emulator.
test("the embedded sandbox's consent routes are rate-limited like the flow routes", async () => {
  const port = await freePort()
  const app = await buildApp(parseConfig({ PORT: String(port), RATE_LIMIT_PER_MINUTE: '3' }), {
    logStream: new LogCapture()
  })
  const authorize = `/sandbox/v1/authorize?response_type=code&client_id=C0sandbox0webex0token0issuer0demo0integration&redirect_uri=${encodeURIComponent(`http://localhost:${port}/oauth`)}&scope=spark%3Akms&state=x`
  const codes: number[] = []
  for (let i = 0; i < 5; i++) {
    codes.push((await app.inject({ url: authorize, headers: { host: `localhost:${port}` } })).statusCode)
  }
  assert.deepEqual(codes, [302, 302, 302, 429, 429])
  const decisions: number[] = []
  for (let i = 0; i < 5; i++) {
    decisions.push(
      (
        await app.inject({
          method: 'POST',
          url: '/sandbox/v1/authorize/decision',
          headers: {
            host: `localhost:${port}`,
            'sec-fetch-site': 'same-origin',
            'content-type': 'application/x-www-form-urlencoded'
          },
          payload: 'request=nope&decision=accept'
        })
      ).statusCode
    )
  }
  assert.deepEqual(decisions, [400, 400, 400, 429, 429])
  await app.close()
})

describe('opening the app on another loopback name than REDIRECT_URI', () => {
  test("GET / moves the browser to REDIRECT_URI's host, so the flow cookie lands where the callback reads it", async () => {
    const port = await freePort()
    const app = await buildApp(parseConfig({ PORT: String(port) }), { logStream: new LogCapture() })
    await app.listen({ port, host: '127.0.0.1' })
    const browser = new Browser()
    const page = await browser.fetch(`http://127.0.0.1:${port}/?preset=org-directory`)
    assert.equal(page.status, 307)
    assert.equal(page.location, `http://localhost:${port}/?preset=org-directory`)
    const canonical = await browser.fetch(`http://127.0.0.1:${port}/`, { headers: { host: `localhost:${port}` } })
    assert.equal(canonical.status, 200)
    await browser.close()
    await app.close()
  })
})
