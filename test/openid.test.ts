// Login with Webex as Webex does it: the id_token carries the openid scope's claim (sub) only;
// email, profile, phone and address come from UserInfo, whose sub must be the id_token's; and the
// id_token's issuer may be another of Webex's identity brokers than discovery names.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { issuerAccepted, verifyIdToken } from '../src/oauth/id-token.ts'
import { AppError, type ErrorFact } from '../src/errors.ts'
import { factText } from '../src/web/error-text.ts'
import { appForSuite, Browser, cliSignIn, freePort, runFlow } from './helpers.ts'

/** The tokens page's "Verified sign-in (OpenID)" section. */
function claimsSection (html: string): string {
  return /<h2 id="claims-h">[\s\S]*?<\/section>/.exec(html)?.[0] ?? ''
}

/** An id_token refused for this fact (the domain reports facts; web/error-text.ts words them). */
function refusedFor (is: ErrorFact['is']) {
  return (err: unknown) => err instanceof AppError && err.details.fact?.is === is
}

describe('claims from UserInfo', () => {
  const app = appForSuite()

  test('the id_token carries sub only; the page shows UserInfo\'s email (a string "true" is verified), name, phone and address', async () => {
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['openid', 'email', 'profile', 'phone', 'address'])
    assert.equal(final.status, 200, final.body.slice(0, 400))
    const idToken = app.emulator.emulator.issued.at(-1)?.idToken ?? ''
    const payload = decodeJwt(idToken)
    assert.equal(payload.email, undefined, 'as Webex: no email in the id_token')
    assert.equal(payload.name, undefined)
    assert.match(final.body, /<dt>Email<\/dt><dd>avery\.admin@sandbox\.example\.com \(verified\)<\/dd>/)
    assert.match(final.body, /<dt>Name<\/dt><dd>Avery Admin<\/dd>/)
    assert.match(final.body, /<dt>Phone<\/dt><dd>\+1 408 555 0101<\/dd>/)
    assert.match(final.body, /<dt>Address<\/dt><dd>170 West Tasman Drive, San Jose, CA 95134, US<\/dd>/)
    assert.match(final.body, /&quot;phone_number&quot;:&quot;\+1 408 555 0101&quot;/, 'the downloads carry them')
    assert.doesNotMatch(final.body, /userinfo-problem/)
    await browser.close()
  })

  test('openid alone does not call UserInfo', async () => {
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['openid'])
    assert.equal(final.status, 200)
    assert.match(claimsSection(final.body), /<dt>Subject \(sub\)<\/dt>/)
    assert.doesNotMatch(claimsSection(final.body), /<dt>Email<\/dt>/)
    assert.doesNotMatch(final.body, /userinfo-problem/)
    await browser.close()
  })

  test('UserInfo answering for another person: its claims are not used, the tokens are still shown, and the page says why', async () => {
    app.emulator.emulator.userInfoTamper = 'subject'
    try {
      const browser = new Browser()
      const { final } = await runFlow(browser, app.url, ['openid', 'email', 'spark:people_read'])
      assert.equal(final.status, 200)
      assert.match(final.body, /id="access-token"/)
      assert.match(claimsSection(final.body), /<dt>Subject \(sub\)<\/dt>/)
      assert.doesNotMatch(claimsSection(final.body), /<dt>Email<\/dt>/)
      assert.match(final.body, /id="userinfo-problem">Webex&#x27;s UserInfo answered for another person/)
      await browser.close()
    } finally {
      app.emulator.emulator.userInfoTamper = undefined
    }
  })

  test('UserInfo failing leaves the tokens shown and says what failed', async () => {
    app.emulator.emulator.userInfoTamper = 'down'
    try {
      const browser = new Browser()
      const { final } = await runFlow(browser, app.url, ['openid', 'profile'])
      assert.equal(final.status, 200)
      assert.match(final.body, /id="access-token"/)
      assert.match(final.body, /id="userinfo-problem">Webex&#x27;s UserInfo endpoint did not give the claims/)
      await browser.close()
    } finally {
      app.emulator.emulator.userInfoTamper = undefined
    }
  })

  test("the CLI prints and writes UserInfo's claims", async () => {
    // The CLI's own sandbox, on a port of its own.
    const env = { REDIRECT_URI: `http://127.0.0.1:${await freePort()}/oauth` }
    const text = await cliSignIn(['--scopes', 'openid email phone', '--format', 'text'], env)
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^ {2}email: {8}avery\.admin@sandbox\.example\.com \(verified\)$/m)
    assert.match(text.stdout, /^ {2}phone: {8}\+1 408 555 0101$/m)
    const json = await cliSignIn(['--scopes', 'openid email phone'], env)
    const claims = (JSON.parse(json.stdout) as { id_token_claims: Record<string, unknown> }).id_token_claims
    assert.equal(claims.email, 'avery.admin@sandbox.example.com')
    assert.equal(claims.email_verified, true)
    assert.equal(claims.phone_number, '+1 408 555 0101')
  })
})

describe("the id_token's issuer", () => {
  test("Webex's identity brokers accept each other's issuer; nobody else's is accepted", () => {
    const discovery = 'https://idbroker-b-us.webex.com/idb'
    for (const iss of [
      'https://idbroker-b-us.webex.com/idb',
      'https://idbroker.webex.com/idb',
      'https://idbroker-eu.webex.com/idb',
      'https://idbroker-ca.webex.com/idb'
    ]) { assert.equal(issuerAccepted(iss, discovery), true, iss) }
    for (const iss of [
      'https://idbroker.webex.com.evil.example/idb',
      'http://idbroker.webex.com/idb',
      'https://evil.example/idb',
      'https://idbroker.webex.com/idb/other',
      'https://xidbroker.webex.com/idb',
      'https://idbroker.webex.com.',
      ''
    ]) { assert.equal(issuerAccepted(iss, discovery), false, iss) }
    assert.equal(
      issuerAccepted('https://idbroker.webex.com/idb', 'http://127.0.0.1:9/v1'),
      false,
      "a discovery issuer that is not Webex's accepts only itself"
    )
    assert.equal(issuerAccepted('http://127.0.0.1:9/v1', 'http://127.0.0.1:9/v1'), true)
  })

  // Both shapes Webex's own examples show, verified for real against a key set.
  test("an id_token from idbroker.webex.com verifies under discovery's idbroker-b-us issuer; a foreign issuer does not, even well signed", async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }
    const webex = { openIdKeys: async () => ({ issuer: 'https://idbroker-b-us.webex.com/idb', jwks: { keys: [jwk] } }) }
    const now = Date.now()
    const sign = (iss: string) =>
      new SignJWT({ nonce: 'n0nce' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('person-1')
        .setIssuer(iss)
        .setAudience('Cclient')
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(now / 1000) + 3600)
        .sign(privateKey)
    const expected = { clientId: 'Cclient', nonce: 'n0nce', now }
    assert.equal(
      (await verifyIdToken(webex, await sign('https://idbroker.webex.com/idb'), expected)).issuer,
      'https://idbroker.webex.com/idb'
    )
    assert.equal(
      (await verifyIdToken(webex, await sign('https://idbroker-b-us.webex.com/idb'), expected)).subject,
      'person-1'
    )
    await assert.rejects(
      verifyIdToken(webex, await sign('https://idbroker.example.invalid/idb'), expected),
      refusedFor('id_token_issuer')
    )
  })
})

describe('id_token claims OpenID Connect refuses', () => {
  test('an id_token issued in the future, or for several audiences without azp (or another azp), is refused', async () => {
    const { exportJWK, generateKeyPair, SignJWT } = await import('jose')
    const { verifyIdToken } = await import('../src/oauth/id-token.ts')
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    const webex = {
      openIdKeys: async () => ({
        issuer: 'https://idbroker.webex.com/idb',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256' }] }
      })
    }
    const now = Date.now()
    const seconds = Math.floor(now / 1000)
    const sign = (claims: Record<string, unknown>, aud: string | string[], iat = seconds) =>
      new SignJWT({ nonce: 'n', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'k' })
        .setSubject('p')
        .setIssuer('https://idbroker.webex.com/idb')
        .setAudience(aud)
        .setIssuedAt(iat)
        .setExpirationTime(seconds + 7200)
        .sign(privateKey)
    const expected = { clientId: 'Cme', nonce: 'n', now }
    assert.equal((await verifyIdToken(webex, await sign({}, 'Cme'), expected)).subject, 'p')
    await assert.rejects(
      verifyIdToken(webex, await sign({}, 'Cme', seconds + 3600), expected),
      refusedFor('id_token_not_yet_valid')
    )
    await assert.rejects(
      verifyIdToken(webex, await sign({}, ['Cme', 'Cother']), expected),
      refusedFor('id_token_several_audiences')
    )
    await assert.rejects(
      verifyIdToken(webex, await sign({ azp: 'Cother' }, ['Cme', 'Cother']), expected),
      refusedFor('id_token_authorized_party')
    )
    assert.equal((await verifyIdToken(webex, await sign({ azp: 'Cme' }, ['Cme', 'Cother']), expected)).subject, 'p')
  })
})

test('every id_token fact has its words, which name the id_token and never a token', () => {
  const facts: ErrorFact[] = [
    { is: 'id_token_expired' },
    { is: 'id_token_audience' },
    { is: 'id_token_issuer' },
    { is: 'id_token_not_yet_valid' },
    { is: 'id_token_claim', claim: 'sub' },
    { is: 'id_token_signature' },
    { is: 'id_token_unknown_key' },
    { is: 'id_token_algorithm' },
    { is: 'id_token_malformed' },
    { is: 'id_token_several_audiences' },
    { is: 'id_token_authorized_party' },
    { is: 'id_token_nonce' },
    { is: 'id_token_missing' },
    { is: 'id_token_unasked' }
  ]
  for (const fact of facts) assert.match(factText(fact), /id_token/, fact.is)
  assert.equal(factText({ is: 'id_token_claim', claim: 'sub' }), "The id_token's sub claim is missing or wrong.")
})
