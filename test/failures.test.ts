// Every way the token endpoint or people/me can fail ends on the right explanatory page.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Browser, field, runFlow, startApp, startFlow, consent, type RunningApp } from './helpers.ts'
import { Agent } from 'undici'
import type { Fault } from './faults.ts'

describe('a failing token endpoint', () => {
  let app: RunningApp
  /** Every wait the Webex client made between retries, in ms (it sleeps through this, not a timer). */
  const waits: number[] = []
  before(async () => {
    app = await startApp(
      {},
      {
        sleep: async (ms) => {
          waits.push(ms)
        }
      }
    )
  })
  after(async () => {
    await app.close()
  })

  async function flowWithTokenFault (fault: Fault) {
    const browser = new Browser()
    app.emulator.emulator.faults.push('token', fault)
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    await browser.close()
    return { page: final }
  }

  const cases: Array<{ name: string, fault: Fault, status: number, text: RegExp }> = [
    {
      name: '400 invalid_grant',
      fault: {
        kind: 'status',
        status: 400,
        body: JSON.stringify({
          error: 'invalid_grant',
          error_description: 'The code has expired',
          trackingID: 'ROUTER_ABC'
        })
      },
      status: 400,
      text: /Webex rejected the authorization code[\s\S]*The code has expired[\s\S]*ROUTER_ABC/
    },
    {
      name: "401 with Webex's message shape",
      fault: {
        kind: 'status',
        status: 401,
        body: JSON.stringify({
          message: 'Unauthorized',
          errors: [{ description: 'Client Id is invalid' }],
          trackingId: 'ROUTER_XYZ'
        })
      },
      status: 502,
      text: /did not accept this integration&#x27;s credentials[\s\S]*Client Id is invalid[\s\S]*ROUTER_XYZ/
    },
    {
      name: 'tokenlimit_reached as {error}',
      fault: {
        kind: 'status',
        status: 400,
        body: JSON.stringify({
          error: 'tokenlimit_reached',
          error_description: 'Token limit reached',
          trackingID: 'ROUTER_TL1'
        })
      },
      status: 403,
      text: /will issue no more tokens for this integration[\s\S]*Revoke this integration&#x27;s old grants[\s\S]*ROUTER_TL1/
    },
    {
      name: 'tokenlimit_reached as {message, errors[]}',
      fault: {
        kind: 'status',
        status: 400,
        body: JSON.stringify({
          message: 'Bad Request',
          errors: [{ description: 'tokenlimit_reached' }],
          trackingId: 'ROUTER_TL2'
        })
      },
      status: 403,
      text: /will issue no more tokens for this integration[\s\S]*ROUTER_TL2/
    },
    {
      name: 'invalid_request named in {message, errors[]}',
      fault: {
        kind: 'status',
        status: 400,
        body: JSON.stringify({
          message: 'The request could not be understood',
          errors: [{ description: 'invalid_request: redirect_uri is missing' }]
        })
      },
      status: 502,
      text: /Webex refused the request/
    },
    {
      name: '500',
      fault: { kind: 'status', status: 500, body: '{"message":"boom"}' },
      status: 502,
      text: /server error \(HTTP 500\)/
    },
    {
      name: '429 with an HTML body and Retry-After',
      fault: {
        kind: 'status',
        status: 429,
        body: '<html><body>Too many</body></html>',
        contentType: 'text/html',
        headers: { 'retry-after': '30' }
      },
      status: 503,
      text: /wait 30 seconds/
    },
    {
      name: '423 with Retry-After',
      fault: { kind: 'status', status: 423, body: '', headers: { 'retry-after': '5' } },
      status: 503,
      text: /HTTP 423/
    },
    {
      name: 'garbage instead of JSON',
      fault: { kind: 'status', status: 200, body: 'not json at all', contentType: 'text/plain' },
      status: 502,
      text: /not the JSON this app expects/
    },
    {
      name: 'JSON missing fields',
      fault: { kind: 'status', status: 200, body: '{"token_type":"Bearer"}' },
      status: 502,
      text: /not the JSON this app expects/
    },
    {
      name: 'an answer over the size cap (256 KiB)',
      fault: { kind: 'status', status: 200, body: JSON.stringify({ access_token: 'x'.repeat(300_000) }) },
      status: 502,
      text: /far larger than expected/
    },
    { name: 'a connection reset', fault: { kind: 'reset' }, status: 502, text: /failed or was cut off/ },
    { name: 'a body cut off mid-way', fault: { kind: 'truncate' }, status: 502, text: /Webex could not be reached/ },
    { name: 'a hang (headers timeout)', fault: { kind: 'hang' }, status: 504, text: /did not answer in time/ },
    { name: 'a stalled body (body timeout)', fault: { kind: 'slow-body' }, status: 504, text: /did not answer in time/ }
  ]

  for (const c of cases) {
    test(`the token endpoint answering ${c.name} ends on its page with HTTP ${c.status}`, async () => {
      const { page } = await flowWithTokenFault(c.fault)
      assert.equal(page.status, c.status)
      assert.match(page.body, c.text)
      assert.equal(page.headers['cache-control'], 'no-store')
      assert.doesNotMatch(page.body, /at \w+ \(|node:internal/)
    })
  }

  test('the retry-after header is passed on to the browser', async () => {
    const { page } = await flowWithTokenFault({
      kind: 'status',
      status: 429,
      body: '',
      headers: { 'retry-after': '12' }
    })
    assert.equal(page.headers['retry-after'], '12')
  })

  test('an error_description cannot inject markup', async () => {
    const { page } = await flowWithTokenFault({
      kind: 'status',
      status: 400,
      body: JSON.stringify({ error: 'invalid_grant', error_description: '<img src=x onerror=alert(1)>' })
    })
    assert.doesNotMatch(page.body, /<img src=x/)
    assert.match(page.body, /&lt;img src&#x3D;x onerror&#x3D;alert\(1\)&gt;/)
  })

  test('the code exchange is never retried', async () => {
    const hits = app.emulator.emulator.hits.token
    await flowWithTokenFault({ kind: 'status', status: 503, body: '' })
    assert.equal(app.emulator.emulator.hits.token, hits + 1)
  })

  test('people/me failing still shows the tokens, with a note', async () => {
    const browser = new Browser()
    app.emulator.emulator.faults.push('me', { kind: 'status', status: 403, body: '{"message":"forbidden"}' })
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(final.status, 200)
    assert.equal(field(final.body, 'access-token'), app.emulator.emulator.issued.at(-1)?.accessToken)
    assert.match(final.body, /Webex did not say whose token this is/)
    assert.match(final.body, /5b1f2e3a-8c4d-4f6e-9a7b-0c1d2e3f4a5b/)
    await browser.close()
  })

  test('people/me is retried after a transient 503', async () => {
    const browser = new Browser()
    const hits = app.emulator.emulator.hits.me
    app.emulator.emulator.faults.push('me', { kind: 'status', status: 503, body: '' })
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(final.status, 200)
    assert.match(final.body, /Avery Admin/)
    assert.equal(app.emulator.emulator.hits.me, hits + 2)
    await browser.close()
  })

  test('a long Retry-After is not waited for: people/me fails once, and the tokens show with a note', async () => {
    const browser = new Browser()
    const hits = app.emulator.emulator.hits.me
    app.emulator.emulator.faults.push('me', { kind: 'status', status: 429, body: '', headers: { 'retry-after': '60' } })
    waits.length = 0
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(final.status, 200)
    assert.match(final.body, /rate-limiting/)
    assert.equal(app.emulator.emulator.hits.me, hits + 1)
    assert.deepEqual(waits, [], 'no wait at all')
    await browser.close()
  })

  test('people/me is tried three times at most, waiting 200 then 600 ms, and an oversized answer only once', async () => {
    const browser = new Browser()
    let hits = app.emulator.emulator.hits.me
    const unavailable = { kind: 'status' as const, status: 503, body: '{"message":"down","trackingId":"ROUTER_503"}' }
    app.emulator.emulator.faults.push('me', unavailable, unavailable, unavailable)
    waits.length = 0
    const down = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(down.final.status, 200)
    assert.match(down.final.body, /Webex did not say whose token this is/)
    assert.equal(app.emulator.emulator.hits.me, hits + 3)
    assert.deepEqual(waits, [200, 600])
    hits = app.emulator.emulator.hits.me
    waits.length = 0
    app.emulator.emulator.faults.push('me', { kind: 'status', status: 200, body: `{"id":"${'x'.repeat(300_000)}"}` })
    const huge = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(huge.final.status, 200)
    assert.match(huge.final.body, /Webex did not say whose token this is/)
    assert.equal(app.emulator.emulator.hits.me, hits + 1)
    assert.deepEqual(waits, [])
    await browser.close()
  })

  test('a short Retry-After is honoured and people/me succeeds on the retry', async () => {
    const browser = new Browser()
    const hits = app.emulator.emulator.hits.me
    app.emulator.emulator.faults.push('me', { kind: 'status', status: 429, body: '', headers: { 'retry-after': '1' } })
    waits.length = 0
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(final.status, 200)
    assert.match(final.body, /Avery Admin/)
    assert.equal(app.emulator.emulator.hits.me, hits + 2)
    assert.deepEqual(waits, [1000], 'waited the second Webex asked for')
    await browser.close()
  })

  test('a code the emulator no longer knows gives invalid_grant', async () => {
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const back = await consent(browser, start.location ?? '', 'admin')
    const url = new URL(back.location ?? '')
    url.searchParams.set('code', '0'.repeat(32))
    const page = await browser.fetch(url.toString())
    assert.equal(page.status, 400)
    assert.match(page.body, /invalid or was already used/)
    await browser.close()
  })
})

describe('Webex that cannot be reached at all', () => {
  test('a refused connection ends on webex_unavailable with 502', async () => {
    const app = await startApp({ WEBEX_BASE_URL: 'http://127.0.0.1:9/v1' })
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    // The browser step goes to the (real) emulator, whose redirect comes back with a code.
    const real = start.location?.replace('http://127.0.0.1:9/v1', app.emulator.base) ?? ''
    const back = await consent(browser, real, 'admin')
    const page = await browser.fetch(back.location ?? '')
    assert.equal(page.status, 502)
    assert.match(page.body, /connection to Webex was refused/)
    await browser.close()
    await app.close()
  })

  test('a host name that does not resolve ends on webex_unavailable', async () => {
    // The DNS failure is made by the dispatcher's lookup, so no query leaves the machine.
    const dispatcher = new Agent({
      connect: {
        lookup: (_host, _options, callback) => {
          callback(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), '', 4)
        }
      }
    })
    const app = await startApp({ WEBEX_BASE_URL: 'http://no-such-host.invalid/v1' }, { dispatcher })
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const real = start.location?.replace('http://no-such-host.invalid/v1', app.emulator.base) ?? ''
    const back = await consent(browser, real, 'admin')
    const page = await browser.fetch(back.location ?? '')
    assert.equal(page.status, 502)
    assert.match(page.body, /could not be resolved \(DNS\)/)
    await browser.close()
    await app.close()
    await dispatcher.close()
  })
})

describe('an expired flow', () => {
  test('a callback after more than 10 minutes is refused without calling Webex', async () => {
    let clock = Date.now()
    const app = await startApp({}, { now: () => clock })
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const back = await consent(browser, start.location ?? '', 'admin')
    clock += 11 * 60 * 1000
    const hits = app.emulator.emulator.hits.token
    const page = await browser.fetch(back.location ?? '', {
      headers: { cookie: await browser.jar.getCookieString(back.location ?? '') }
    })
    assert.equal(page.status, 400)
    assert.match(page.body, /more than 10 minutes ago/)
    assert.equal(app.emulator.emulator.hits.token, hits)
    await browser.close()
    await app.close()
  })
})
