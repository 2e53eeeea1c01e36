// No token, code, verifier, nonce, id_token, client secret or cookie value ever reaches the log.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { flowKey, openFlow } from '../src/web/flow-cookies.ts'
import { Browser, CLIENT_SECRET, consent, startApp, startFlow, appForSuite } from './helpers.ts'

test('the log of every kind of flow, at debug level, holds no secret', async () => {
  const app = await startApp({ LOG_LEVEL: 'debug' })
  const secrets: string[] = [CLIENT_SECRET]
  const kinds: Array<{
    user: 'admin' | 'user'
    decision: 'accept' | 'decline'
    fault?: boolean
    meFault?: boolean
    openid?: boolean
  }> = [
    { user: 'admin', decision: 'accept' },
    { user: 'admin', decision: 'accept', openid: true },
    { user: 'admin', decision: 'decline' },
    { user: 'user', decision: 'accept' },
    { user: 'admin', decision: 'accept', fault: true },
    { user: 'admin', decision: 'accept', meFault: true }
  ]
  for (const kind of kinds) {
    const browser = new Browser()
    if (kind.fault === true) {
      app.emulator.emulator.faults.push('token', { kind: 'status', status: 400, body: '{"error":"invalid_grant"}' })
    }
    if (kind.meFault === true) app.emulator.emulator.faults.push('me', { kind: 'status', status: 500, body: '' })
    const start = await startFlow(
      browser,
      app.url,
      kind.openid === true ? ['openid', 'email', 'spark-admin:people_read'] : ['spark-admin:people_read']
    )
    const cookies = await browser.jar.getCookies(`${app.url}/oauth`)
    for (const cookie of cookies) {
      secrets.push(cookie.value)
      const flow = openFlow(cookie.value, flowKey(app.config.cookieSecret), cookie.key)
      assert.ok(flow !== undefined)
      secrets.push(flow.verifier, flow.state)
      if (kind.openid === true) secrets.push(flow.nonce ?? 'the openid flow has a nonce')
    }
    const back = await consent(browser, start.location ?? '', kind.user, kind.decision)
    const code = new URL(back.location ?? '').searchParams.get('code')
    if (code !== null) secrets.push(code)
    await browser.fetch(back.location ?? '')
    // A replay, so the state_invalid path is logged too.
    await browser.fetch(back.location ?? '')
    await browser.close()
  }
  for (const issued of app.emulator.emulator.issued) {
    if (issued.accessToken !== undefined) secrets.push(issued.accessToken)
    if (issued.refreshToken !== undefined) secrets.push(issued.refreshToken)
    if (issued.idToken !== undefined) secrets.push(issued.idToken)
  }
  await app.close()
  assert.ok(app.logs.lines.length >= 20, 'the flows were logged')
  assert.ok(
    app.logs.lines.some((l) => l.includes('"path":"/oauth"')),
    'the callback was logged, by path'
  )
  assert.ok(secrets.length >= 18)
  assert.ok(
    app.emulator.emulator.issued.some((i) => i.idToken !== undefined),
    'an id_token was issued and checked'
  )
  for (const secret of secrets) {
    assert.ok(!app.logs.text.includes(secret), `a secret reached the log: ${secret.slice(0, 6)}…`)
  }
})

describe("our secrets are scrubbed from every field of Webex's answer, in every encoding", () => {
  test('scrub catches the literal, percent-encoded, base64, base64url and JSON-escaped forms', async () => {
    const { scrub } = await import('../src/webex/classify.ts')
    const secret = 'a+b/c=d e"f-0123456789'
    const echoes = [
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      JSON.stringify(secret).slice(1, -1)
    ]
    for (const echo of echoes) assert.equal(scrub(`Webex saw ${echo}.`, [secret]), 'Webex saw [redacted].', echo)
  })

  const app = appForSuite()

  test('an error answer echoing the client secret in error, error_description and trackingId shows none of it', async () => {
    const secret = app.config.clientSecret
    const b64 = Buffer.from(secret).toString('base64')
    app.emulator.emulator.faults.push('token', {
      kind: 'status',
      status: 400,
      body: JSON.stringify({
        error: `invalid_request_${secret}`,
        error_description: `client_secret=${encodeURIComponent(secret)} basic=${b64}`,
        trackingId: `ROUTER_${secret}`
      }),
      headers: { trackingid: `HDR_${secret}` }
    })
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const back = await consent(browser, start.location ?? '', 'admin')
    const page = await browser.fetch(back.location ?? '')
    assert.ok(page.status >= 400)
    for (const form of [secret, encodeURIComponent(secret), b64]) {
      assert.ok(!page.body.includes(form), `the page shows ${form}`)
      assert.ok(!app.logs.text.includes(form), `the log holds ${form}`)
    }
    assert.match(page.body, /\[redacted\]/)
    await browser.close()
  })
})
