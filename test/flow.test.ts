// The grant flow end to end over real sockets: the app and the emulator on loopback ports.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { appForSuite, Browser, CLIENT_SECRET, consent, field, runFlow, startFlow } from './helpers.ts'
import { checkCallback, ConsumedStates, createFlow, FLOW_TTL_MS, pkceChallenge } from '../src/oauth/flow.ts'
import { AppError } from '../src/errors.ts'
import { flowKey, openFlow } from '../src/web/flow-cookies.ts'

describe('the dynamic-mode grant flow against the emulator', () => {
  const app = appForSuite()

  test('a full admin gets tokens, and the page shows exactly the ones the emulator issued', async () => {
    const browser = new Browser()
    const { start, final } = await runFlow(browser, app.url, ['spark-admin:people_read', 'spark-admin:devices_read'])
    const authorize = new URL(start.location ?? '')
    assert.equal(authorize.origin + authorize.pathname, `${app.emulator.base}/authorize`)
    assert.equal(authorize.searchParams.get('response_type'), 'code')
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256')
    assert.match(authorize.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/)
    assert.match(start.location ?? '', /scope=spark-admin%3Apeople_read%20spark-admin%3Adevices_read&/)

    assert.equal(final.status, 200)
    assert.equal(final.headers['cache-control'], 'no-store')
    const issued = app.emulator.emulator.issued.at(-1)
    assert.ok(issued?.accessToken !== undefined && issued.refreshToken !== undefined)
    assert.equal(field(final.body, 'access-token'), issued.accessToken)
    assert.equal(field(final.body, 'refresh-token'), issued.refreshToken)
    assert.match(issued.accessToken, /_PF84_[0-9a-f-]{36}$/)
    assert.match(final.body, /Avery Admin/)
    assert.match(final.body, /avery\.admin@sandbox\.example\.com/)
    assert.match(final.body, /Full administrator<\/dt><dd>Yes/)
    assert.match(final.body, /in 14 days/)
    assert.match(final.body, /<code>spark-admin:devices_read<\/code><\/td><td>Yes<\/td><td>Yes/)
    await browser.close()
  })

  test('two flows started in two tabs of one browser both succeed', async () => {
    const browser = new Browser()
    const first = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const second = await startFlow(browser, app.url, ['spark-admin:licenses_read'])
    const backSecond = await consent(browser, second.location ?? '', 'admin')
    const backFirst = await consent(browser, first.location ?? '', 'admin')
    const pageFirst = await browser.fetch(backFirst.location ?? '')
    const pageSecond = await browser.fetch(backSecond.location ?? '')
    assert.equal(pageFirst.status, 200)
    assert.equal(pageSecond.status, 200)
    assert.match(pageFirst.body, /<code>spark-admin:people_read<\/code><\/td><td>Yes<\/td><td>Yes/)
    assert.match(pageSecond.body, /<code>spark-admin:licenses_read<\/code><\/td><td>Yes<\/td><td>Yes/)
    assert.notEqual(field(pageFirst.body, 'access-token'), field(pageSecond.body, 'access-token'))
    await browser.close()
  })

  test('declining ends on the access_denied page, naming the requested scopes', async () => {
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'], 'admin', 'decline')
    assert.equal(final.status, 403)
    assert.match(final.body, /Access was declined/)
    assert.match(final.body, /<li><code>spark-admin:people_read<\/code><\/li>/)
    assert.match(final.body, /The user denied the authorization request/)
    assert.match(final.body, /href="\/"/)
    await browser.close()
  })

  test('admin scopes for a user without an admin role end on the invalid_scope page explaining the role', async () => {
    const browser = new Browser()
    const before = app.emulator.emulator.hits.token
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read', 'spark:kms'], 'user')
    assert.equal(final.status, 403)
    assert.match(final.body, /Webex refused the requested scopes/)
    assert.match(final.body, /No user entitled service in request scopes/)
    assert.match(final.body, /Scopes that were requested, by the role each needs/)
    assert.match(
      final.body,
      /The scopes that need a role all need the same one: An admin \(full or read-only\)\. Either the user who signed in does not hold it, or a scope is not registered on the integration\. Sign in with each group alone/
    )
    assert.match(final.body, /<dt>An admin \(full or read-only\)<\/dt>\s*<dd><code>spark-admin:people_read<\/code>/)
    assert.match(final.body, /<dt>No role \(any user\)<\/dt>\s*<dd><code>spark:kms<\/code>/)
    assert.doesNotMatch(final.body, /likely cause|Most likely/i)
    assert.doesNotMatch(final.body, /<h2 id="cause-h">/, 'the general causes say nothing the groups have not')
    assert.match(
      final.body,
      /<a class="button" href="\/\?scopes&#x3D;spark-admin%3Apeople_read%20spark%3Akms">Back to these scopes<\/a>/,
      'the way back keeps the work'
    )
    assert.equal(app.emulator.emulator.hits.token, before)
    await browser.close()
  })

  test('the compliance officer gets a compliance token, but not admin scopes', async () => {
    const browser = new Browser()
    const ok = await runFlow(
      browser,
      app.url,
      ['spark-compliance:messages_read', 'spark-compliance:rooms_read'],
      'compliance'
    )
    assert.equal(ok.final.status, 200)
    assert.match(ok.final.body, /Casey Compliance/)
    await browser.close()
  })

  // The issue's case: a Compliance Officer asks for an admin scope and a compliance scope.
  test('invalid_scope with scopes of two roles names neither as the cause, and each group alone is one press away', async () => {
    const browser = new Browser()
    const refused = await runFlow(
      browser,
      app.url,
      ['spark-admin:people_read', 'spark-compliance:messages_read'],
      'compliance'
    )
    assert.equal(refused.final.status, 403)
    const page = refused.final.body
    assert.match(
      page,
      /These scopes need 2 different roles \(Compliance Officer; An admin \(full or read-only\)\)\. Webex does not say which one the user who signed in lacks/
    )
    assert.doesNotMatch(page, /likely|Most likely/i)
    const retries = [
      ...page.matchAll(
        /<form method="post" action="\/start" class="inline-form retry-group"><input type="hidden" name="custom" value="([^"]+)">/g
      )
    ].map((m) => m[1])
    assert.deepEqual(retries, ['spark-compliance:messages_read', 'spark-admin:people_read'])
    // The compliance group alone goes through: the culprit was the admin scope.
    const compliance = await browser.fetch(`${app.url}/start`, { form: { custom: retries[0] ?? '' } })
    const back = await consent(browser, compliance.location ?? '', 'compliance')
    const tokens = await browser.fetch(back.location ?? '')
    assert.equal(tokens.status, 200)
    assert.match(tokens.body, /Your Webex tokens/)
    // The admin group alone is refused, now with one group and no retry to offer.
    const admin = await browser.fetch(`${app.url}/start`, { form: { custom: retries[1] ?? '' } })
    const again = await browser.fetch((await consent(browser, admin.location ?? '', 'compliance')).location ?? '')
    assert.equal(again.status, 403)
    assert.match(
      again.body,
      /all need the same one: An admin \(full or read-only\)\. Either the user who signed in does not hold it/
    )
    assert.doesNotMatch(again.body, /retry-group/)
    await browser.close()
  })

  test('a replayed callback never exchanges the code twice', async () => {
    const browser = new Browser()
    const { back, final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(final.status, 200)
    const hits = app.emulator.emulator.hits.token
    const replay = await browser.fetch(back.location ?? '')
    assert.equal(replay.status, 400)
    assert.match(replay.body, /This sign-in link is no longer valid/)
    assert.equal(app.emulator.emulator.hits.token, hits)
    await browser.close()
  })

  test('a replay that still carries the old cookie is refused too', async () => {
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const back = await consent(browser, start.location ?? '', 'admin')
    const cookie = await browser.jar.getCookieString(back.location ?? '')
    const first = await browser.fetch(back.location ?? '')
    assert.equal(first.status, 200)
    const hits = app.emulator.emulator.hits.token
    const replay = await browser.fetch(back.location ?? '', { headers: { cookie } })
    assert.equal(replay.status, 400)
    assert.match(replay.body, /already finished/)
    assert.equal(app.emulator.emulator.hits.token, hits)
    await browser.close()
  })

  test('a callback with a tampered, missing or mismatched state never reaches Webex', async () => {
    const hits = app.emulator.emulator.hits.token
    // Missing: a browser that never started a flow.
    const a = new Browser()
    const start = await startFlow(a, app.url, ['spark-admin:people_read'])
    const returned = await consent(a, start.location ?? '', 'admin')
    const stranger = new Browser()
    const missing = await stranger.fetch(returned.location ?? '')
    assert.equal(missing.status, 400)
    assert.match(missing.body, /No sign-in with this state/)

    // Mismatched: the right cookie, another state.
    const url = new URL(returned.location ?? '')
    url.searchParams.set('state', 'A'.repeat(43))
    const mismatched = await a.fetch(url.toString())
    assert.equal(mismatched.status, 400)

    // No state at all.
    url.searchParams.delete('state')
    const none = await a.fetch(url.toString())
    assert.equal(none.status, 400)
    assert.match(none.body, /carried no state/)

    // Tampered: the cookie's value changed, signature kept.
    const cookies = await a.jar.getCookies(returned.location ?? '')
    const flow = cookies.find((c) => c.key.startsWith('wti_flow_'))
    assert.ok(flow !== undefined)
    const [value, signature] = flow.value.split('.')
    const tampered = await a.fetch(returned.location ?? '', {
      headers: { cookie: `${flow.key}=${(value ?? '').slice(0, -2)}xx.${signature ?? ''}` }
    })
    assert.equal(tampered.status, 400)
    assert.match(tampered.body, /altered or damaged/)
    assert.equal(app.emulator.emulator.hits.token, hits)
    await Promise.all([a.close(), stranger.close()])
  })

  test('the flow cookie is encrypted: it shows neither state nor verifier, and an altered, moved or foreign one is refused', async () => {
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read', 'openid'])
    const authorize = new URL(start.location ?? '')
    const state = authorize.searchParams.get('state') ?? ''
    const [cookie] = await browser.jar.getCookies(`${app.url}/oauth`)
    assert.ok(cookie !== undefined && state !== '')
    // Review finding 8: the old cookie was signed base64url JSON, with the verifier readable in it.
    for (const reading of [
      cookie.value,
      Buffer.from(cookie.value, 'base64url').toString('latin1'),
      Buffer.from(cookie.value.split('.')[0] ?? '', 'base64url').toString('latin1')
    ]) {
      assert.ok(!reading.includes(state), 'the state is not readable in the cookie')
      assert.ok(!reading.includes('people_read'), 'the scopes are not readable in the cookie')
    }
    const key = flowKey(app.config.cookieSecret)
    const flow = openFlow(cookie.value, key, cookie.key)
    assert.equal(flow?.state, state)
    assert.equal(pkceChallenge(flow?.verifier ?? ''), authorize.searchParams.get('code_challenge'))
    assert.equal(flow?.nonce, authorize.searchParams.get('nonce'))
    const bytes = Buffer.from(cookie.value, 'base64url')
    bytes[20] = (bytes[20] ?? 0) ^ 1
    assert.equal(openFlow(bytes.toString('base64url'), key, cookie.key), undefined, 'an altered value is refused')
    assert.equal(
      openFlow(cookie.value, key, 'wti_flow_another0000000'),
      undefined,
      "a value moved to another flow's cookie is refused"
    )
    assert.equal(
      openFlow(cookie.value, flowKey('another-secret-of-at-least-32-characters'), cookie.key),
      undefined,
      'another COOKIE_SECRET cannot open it'
    )
    // Over HTTP too: the callback with an altered cookie ends on state_invalid.
    const altered = await browser.fetch(`${app.url}/oauth?state=${encodeURIComponent(state)}&code=abc`, {
      headers: { cookie: `${cookie.key}=${bytes.toString('base64url')}` }
    })
    assert.equal(altered.status, 400)
    assert.match(altered.body, /altered or damaged/)
    await browser.close()
  })

  test('the flow cookie is HttpOnly, SameSite=Lax, scoped to the callback and lives 10 minutes', async () => {
    const browser = new Browser()
    const start = await startFlow(browser, app.url, ['spark-admin:people_read'])
    const setCookie = [start.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('wti_flow_')) ?? ''
    assert.match(setCookie, /Max-Age=600/)
    assert.match(setCookie, /HttpOnly/)
    assert.match(setCookie, /SameSite=Lax/)
    assert.match(setCookie, /Path=\/oauth/)
    assert.doesNotMatch(setCookie, /Secure/)
    assert.match(setCookie, /^wti_flow_[A-Za-z0-9_-]+=[A-Za-z0-9_-]+;/)
    await browser.close()
  })

  test('bad selections get a 400 page that names the reason, and no redirect', async () => {
    const browser = new Browser()
    const none = await browser.fetch(`${app.url}/start`, { method: 'POST', form: {} })
    assert.equal(none.status, 400)
    assert.match(none.body, /No scope was chosen/)
    const unknown = await startFlow(browser, app.url, ['spark-admin:not_a_scope'])
    assert.equal(unknown.status, 400)
    assert.match(unknown.body, /Unknown scope: spark-admin:not_a_scope/)
    const sparkAll = await startFlow(browser, app.url, ['spark:all', 'spark:rooms_read'])
    assert.equal(sparkAll.status, 400)
    assert.match(sparkAll.body, /spark:all already covers/)
    const allowed = await startFlow(browser, app.url, ['spark:all', 'spark:kms', 'spark-admin:people_read'])
    assert.equal(allowed.status, 200)
    const injected = await startFlow(browser, app.url, ['<script>alert(1)</script>'])
    assert.equal(injected.status, 400)
    assert.doesNotMatch(injected.body, /<script>alert/)
    await browser.close()
  })

  test('the client secret never appears in what the browser sees', async () => {
    const browser = new Browser()
    const { start, back, final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    for (const page of [start, back, final]) {
      assert.ok(!page.body.includes(CLIENT_SECRET))
      assert.ok(!(page.location ?? '').includes(CLIENT_SECRET))
    }
    await browser.close()
  })
})

test('checkCallback: the state, the age and one spending, each refused with its fact; then the code', () => {
  const flow = createFlow(['spark-admin:people_read'], 1_000_000)
  const consumed = new ConsumedStates()
  const options = { now: 1_000_000 + 60_000, consumed, spend: false, clientSecret: 's' }
  const factOf = (run: () => unknown) => {
    try {
      run()
      return 'accepted'
    } catch (err) {
      return err instanceof AppError ? `${err.kind}:${err.details.fact?.is ?? err.details.webexError ?? ''}` : 'thrown'
    }
  }
  assert.equal(factOf(() => checkCallback({ code: 'c', state: 'other' }, flow, options)), 'state_invalid:state_mismatch')
  assert.equal(
    factOf(() => checkCallback({ code: 'c', state: flow.state }, flow, { ...options, now: 1_000_000 + FLOW_TTL_MS + 1 })),
    'state_invalid:flow_expired'
  )
  assert.equal(checkCallback({ code: 'c', state: flow.state }, flow, options), 'c', 'a look does not spend it')
  assert.equal(checkCallback({ code: 'c', state: flow.state }, flow, { ...options, spend: true }), 'c')
  assert.equal(factOf(() => checkCallback({ code: 'c', state: flow.state }, flow, options)), 'state_invalid:flow_spent')
  const other = createFlow([], 1_000_000)
  assert.equal(
    factOf(() => checkCallback({ error: 'access_denied', state: other.state }, other, options)),
    'access_denied:access_denied'
  )
})
