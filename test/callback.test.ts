// The callback's two steps (src/web/callback.ts): Webex's redirect (GET) gets a page that hands
// the code back by a same-origin POST, with the binder the hand-off page kept in this origin's
// storage (src/web/browser-binding.ts), or a person's click where there is no script. A code
// handed back without either proof is refused and nothing is exchanged. Chromium's side of it is
// in test/e2e/sign-in.test.ts.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { appForSuite, Browser, consent, hiddenFields, startFlow } from './helpers.ts'

describe('the callback hands the code back only from the browser that started the sign-in', () => {
  const app = appForSuite()

  /** A sign-in up to the callback's page, with the binder the hand-off page gave. */
  async function upToCallback () {
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const binder = /data-binder="([^"]+)"/.exec(start.body)?.[1] ?? ''
    const back = await consent(browser, start.location ?? '', 'admin')
    // The page as a browser with no kept binder gets it (a fresh jar's storage is empty).
    browser.storage.clear()
    const page = await browser.fetch(back.location ?? '')
    return { browser, binder, page, fields: hiddenFields(page.body, '/oauth') }
  }

  test('the redirect answers the hand-back page, exchanges nothing, and keeps the code out of what it stores', async () => {
    const before = app.emulator.emulator.hits.token
    const { browser, page, fields } = await upToCallback()
    assert.equal(page.status, 200)
    assert.match(page.body, /<form id="finish-sign-in" method="post" action="\/oauth"/)
    assert.equal(page.headers['cache-control'], 'no-store')
    assert.deepEqual(Object.keys(fields).sort(), ['binder', 'code', 'state'])
    assert.equal(fields.binder, '')
    assert.equal(app.emulator.emulator.hits.token, before, 'no code was exchanged')
    await browser.close()
  })

  test('a script-sent POST with the binder finishes the sign-in, once', async () => {
    const { browser, binder, fields } = await upToCallback()
    const headers = { 'sec-fetch-site': 'same-origin' }
    const done = await browser.fetch(`${app.url}/oauth`, { form: { ...fields, binder }, headers })
    assert.equal(done.status, 200)
    assert.match(done.body, /Your Webex tokens/)
    const again = await browser.fetch(`${app.url}/oauth`, { form: { ...fields, binder }, headers })
    assert.equal(again.status, 400)
    assert.match(again.body, /already finished|No sign-in with this state/)
    await browser.close()
  })

  test('without the binder, a POST that is not a person\'s click is refused and nothing is exchanged', async () => {
    const { browser, fields } = await upToCallback()
    const before = app.emulator.emulator.hits.token
    const headers = { 'sec-fetch-site': 'same-origin' }
    const wrong = await browser.fetch(`${app.url}/oauth`, { form: { ...fields, binder: 'x'.repeat(43) }, headers })
    assert.equal(wrong.status, 403)
    assert.match(wrong.body, /not started in this browser/)
    const none = await browser.fetch(`${app.url}/oauth`, { form: fields, headers })
    assert.equal(none.status, 403)
    assert.doesNotMatch(none.body, /Your Webex tokens/)
    assert.equal(app.emulator.emulator.hits.token, before, 'no code was exchanged')
    // Refused before the flow was spent: the person's own click still finishes it.
    const click = await browser.fetch(`${app.url}/oauth`, {
      form: fields,
      headers: { ...headers, 'sec-fetch-user': '?1' }
    })
    assert.equal(click.status, 200)
    assert.match(click.body, /Your Webex tokens/)
    await browser.close()
  })

  test('a POST from another site is refused, even with a click and the binder', async () => {
    const { browser, binder, fields } = await upToCallback()
    const cross = await browser.fetch(`${app.url}/oauth`, {
      form: { ...fields, binder },
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-user': '?1' }
    })
    assert.equal(cross.status, 403)
    await browser.close()
  })
})

describe('the callback\'s limit counts each sign-in on its own', () => {
  const app = appForSuite({ RATE_LIMIT_PER_MINUTE: '5' })

  test('a tossed cookie whose sign-in used up its limit does not lock out the person\'s own sign-in', async () => {
    // Another program starts a sign-in of its own and spends its limit on the second step.
    const attacker = new Browser()
    const theirs = await startFlow(attacker, app.url, ['spark-admin:people_read'])
    const theirState = new URL(theirs.location ?? '').searchParams.get('state') ?? ''
    for (let i = 0; i < 7; i++) {
      await attacker.fetch(`${app.url}/oauth`, {
        form: { code: 'x', state: theirState, binder: 'y' },
        headers: { 'sec-fetch-site': 'same-origin' }
      })
    }
    const tossed = (await attacker.jar.getCookies(`${app.url}/oauth`)).find((c) => c.key.startsWith('wti_flow_'))
    assert.ok(tossed !== undefined)
    // The person's browser holds that cookie too, set before its own.
    const browser = new Browser()
    await browser.jar.setCookie(`${tossed.key}=${tossed.value}; Path=/oauth`, `${app.url}/oauth`)
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const back = await consent(browser, start.location ?? '', 'admin')
    const page = await browser.fetch(back.location ?? '')
    assert.equal(page.status, 200)
    assert.match(page.body, /Your Webex tokens/)
    await Promise.all([attacker.close(), browser.close()])
  })
})

describe('a callback sent from another port of this machine (cookie tossing)', () => {
  const app = appForSuite()

  test('Sec-Fetch-Site: same-site is refused with an explanation, and the genuine callback still completes', async () => {
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const back = await consent(browser, start.location ?? '', 'admin')
    const hits = app.emulator.emulator.hits.token
    const tossed = await browser.fetch(back.location ?? '', { headers: { 'sec-fetch-site': 'same-site' } })
    assert.equal(tossed.status, 403)
    assert.match(
      tossed.body,
      /sent from another port or name of this machine \(Sec-Fetch-Site: same-site\), not by Webex/
    )
    assert.equal(app.emulator.emulator.hits.token, hits, 'no code was exchanged')
    const genuine = await browser.fetch(back.location ?? '', { headers: { 'sec-fetch-site': 'cross-site' } })
    assert.equal(genuine.status, 200, 'the refusal spent nothing: the real sign-in finishes')
    assert.match(genuine.body, /Your Webex tokens/)
    await browser.close()
  })
})

describe("other programs' traffic cannot lock the person out of the callback", () => {
  const app = appForSuite({ RATE_LIMIT_PER_MINUTE: '3' })

  test("callbacks without this sign-in's sealed cookie are limited per address; the genuine one is not refused", async () => {
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const back = await consent(browser, start.location ?? '', 'admin')
    const flood = new Browser()
    const codes: number[] = []
    for (let i = 0; i < 6; i++) {
      codes.push((await flood.fetch(`${app.url}/oauth?code=x&state=${'s'.repeat(43)}`)).status)
    }
    assert.deepEqual(codes.slice(-2), [429, 429], 'the flood is limited')
    // A forged cookie of the right name does not buy its own bucket: only one sealed with our key does.
    const forged = await flood.fetch(back.location ?? '', { headers: { cookie: 'wti_flow_AAAAAAAAAAAAAAAA=forged' } })
    assert.equal(forged.status, 429)
    const genuine = await browser.fetch(back.location ?? '')
    assert.equal(genuine.status, 200, genuine.body.slice(0, 200))
    await Promise.all([browser.close(), flood.close()])
  })
})
