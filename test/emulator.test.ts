// The emulator keeps Webex's contract: one-time codes, PKCE, redirect and client checks, both grants.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, request } from 'undici'
import { createFlow, pkceChallenge, authorizeUrl } from '../src/oauth/flow.ts'
import { createWebexClient } from '../src/webex/client.ts'
import { AppError } from '../src/errors.ts'
import {
  Browser,
  CLIENT_ID,
  CLIENT_SECRET,
  consent,
  signInPage,
  startEmulator,
  type RunningEmulator
} from './helpers.ts'

const REDIRECT = 'http://127.0.0.1:1/cb'

describe('the emulator', () => {
  let emu: RunningEmulator
  const dispatcher = new Agent()
  before(async () => {
    emu = await startEmulator([REDIRECT], {
      scopes: ['spark-admin:people_read', 'spark:kms', 'spark-compliance:rooms_read']
    })
  })
  after(async () => {
    await emu.app.close()
    await dispatcher.close()
  })

  async function code (scopes = ['spark-admin:people_read']) {
    const flow = createFlow(scopes, Date.now())
    const browser = new Browser()
    const back = await consent(
      browser,
      authorizeUrl(emu.base, {
        clientId: CLIENT_ID,
        redirectUri: REDIRECT,
        scopes,
        state: flow.state,
        challenge: pkceChallenge(flow.verifier)
      }),
      'admin'
    )
    await browser.close()
    const url = new URL(back.location ?? '')
    assert.equal(url.searchParams.get('state'), flow.state)
    return { code: url.searchParams.get('code') ?? '', verifier: flow.verifier }
  }

  function post (form: Record<string, string>, headers: Record<string, string> = {}) {
    return request(`${emu.base}/access_token`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString()
    })
  }

  const client = () =>
    createWebexClient({ baseUrl: emu.base, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, dispatcher })

  test('a code is exchanged once, and the second try is invalid_grant', async () => {
    const { code: c, verifier } = await code()
    const tokens = await client().exchangeCode({ code: c, redirectUri: REDIRECT, codeVerifier: verifier })
    assert.match(tokens.accessToken, /_PF84_/)
    assert.deepEqual(tokens.grantedScopes, ['spark-admin:people_read'])
    await assert.rejects(
      client().exchangeCode({ code: c, redirectUri: REDIRECT, codeVerifier: verifier }),
      (err: AppError) => err.kind === 'invalid_grant'
    )
  })

  test('a wrong PKCE verifier or redirect URI is invalid_grant', async () => {
    const a = await code()
    await assert.rejects(
      client().exchangeCode({ code: a.code, redirectUri: REDIRECT, codeVerifier: 'x'.repeat(43) }),
      (err: AppError) => err.kind === 'invalid_grant' && /code_verifier/.test(err.details.webexDescription ?? '')
    )
    const b = await code()
    await assert.rejects(
      client().exchangeCode({ code: b.code, redirectUri: 'http://127.0.0.1:1/other', codeVerifier: b.verifier }),
      (err: AppError) => err.kind === 'invalid_grant' && /redirect_uri/.test(err.details.webexDescription ?? '')
    )
  })

  test('client credentials are accepted in HTTP Basic, and a wrong secret is 401 invalid_client', async () => {
    const { code: c, verifier } = await code()
    const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')
    const res = await post(
      { grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, code_verifier: verifier },
      { authorization: `Basic ${basic}` }
    )
    assert.equal(res.statusCode, 200)
    const body = (await res.body.json()) as Record<string, unknown>
    assert.equal(body.token_type, 'Bearer')
    const wrong = createWebexClient({
      baseUrl: emu.base,
      clientId: CLIENT_ID,
      clientSecret: 'wrong-secret-value',
      dispatcher
    })
    await assert.rejects(
      wrong.refresh('whatever'),
      (err: AppError) =>
        err.kind === 'invalid_client' &&
        err.details.webexDescription === 'Client Id is invalid or the client secret does not match'
    )
  })

  test('the refresh grant issues a new access token; when Webex leaves out the refresh token, the one sent is kept', async () => {
    const { code: c, verifier } = await code()
    const first = await client().exchangeCode({ code: c, redirectUri: REDIRECT, codeVerifier: verifier })
    const renewed = await client().refresh(first.refreshToken ?? '')
    assert.notEqual(renewed.accessToken, first.accessToken)
    assert.equal(renewed.refreshToken, first.refreshToken, 'Webex answers with the same refresh token')
    assert.notEqual(renewed.refreshTokenKept, true)
    emu.emulator.omitRefreshToken = true
    const again = await client().refresh(first.refreshToken ?? '')
    emu.emulator.omitRefreshToken = false
    assert.equal(again.refreshToken, first.refreshToken)
    assert.equal(again.refreshTokenKept, true)
    await assert.rejects(client().refresh('garbage'), (err: AppError) => err.kind === 'invalid_grant')
  })

  test('people/me, organizations and tokenExpiry answer for a valid token and 401 for others', async () => {
    const { code: c, verifier } = await code()
    const tokens = await client().exchangeCode({ code: c, redirectUri: REDIRECT, codeVerifier: verifier })
    const me = await client().getMe(tokens.accessToken)
    assert.equal(me.displayName, 'Avery Admin')
    assert.ok(me.orgId !== undefined)
    const org = await client().getOrganization(tokens.accessToken, me.orgId)
    assert.match(org.displayName ?? '', /Sandbox Org/)
    const exp = await client().getTokenExpiry(tokens.accessToken)
    assert.ok(Math.abs(exp.getTime() - tokens.expiresAt.getTime()) < 5000)
    await assert.rejects(client().getMe('nope'), (err: AppError) => err.kind === 'token_invalid')
    emu.emulator.expireAccessToken(tokens.accessToken)
    await assert.rejects(client().getMe(tokens.accessToken), (err: AppError) => err.kind === 'token_invalid')
  })

  test('a scope not registered on the integration comes back as invalid_scope before consent', async () => {
    const browser = new Browser()
    const page = await signInPage(
      browser,
      authorizeUrl(emu.base, {
        clientId: CLIENT_ID,
        redirectUri: REDIRECT,
        scopes: ['spark-admin:devices_write'],
        state: 's',
        challenge: 'c'
      })
    )
    assert.equal(page.status, 302)
    const back = new URL(page.location ?? '')
    assert.equal(back.searchParams.get('error'), 'invalid_scope')
    assert.equal(back.searchParams.get('state'), 's')
    await browser.close()
  })
})

// Review finding 4: any web page can make a browser fire GET /authorize at the sandbox.
describe('the emulator under a flood of consent requests', () => {
  test('waiting requests stay under their byte bound, the oldest dropped first, and the newest still completes', async () => {
    const emu = await startEmulator([REDIRECT], { maxPendingBytes: 64 * 1024 })
    const browser = new Browser()
    const big = Array.from({ length: 400 }, (_, i) => `spark-admin:flood_${i}_read`)
    const first = await signInPage(
      browser,
      authorizeUrl(emu.base, {
        clientId: CLIENT_ID,
        redirectUri: REDIRECT,
        scopes: ['spark:kms'],
        state: 'first',
        challenge: pkceChallenge('v'.repeat(43))
      })
    )
    const firstId = /name="request" value="([0-9a-f]+)"/.exec(first.body)?.[1] ?? ''
    for (let i = 0; i < 40; i++) {
      const page = await signInPage(
        browser,
        authorizeUrl(emu.base, {
          clientId: CLIENT_ID,
          redirectUri: REDIRECT,
          scopes: big,
          state: `s${i}`,
          challenge: pkceChallenge('v'.repeat(43))
        })
      )
      assert.equal(page.status, 200)
      assert.ok(emu.emulator.pendingStats.bytes <= 64 * 1024, `${emu.emulator.pendingStats.bytes} bytes held`)
    }
    assert.ok(emu.emulator.pendingStats.count < 41, 'older requests were dropped')
    const dropped = await browser.fetch(`${emu.base}/authorize/decision`, {
      form: { request: firstId, user: 'admin', decision: 'accept' }
    })
    assert.equal(dropped.status, 400)
    assert.match(dropped.body, /expired/)
    const back = await consent(
      browser,
      authorizeUrl(emu.base, {
        clientId: CLIENT_ID,
        redirectUri: REDIRECT,
        scopes: ['spark:kms'],
        state: 'last',
        challenge: pkceChallenge('v'.repeat(43))
      }),
      'admin'
    )
    assert.equal(back.status, 302)
    assert.ok(new URL(back.location ?? '').searchParams.has('code'))
    await browser.close()
    await emu.app.close()
  })
})
