// What real Webex does that the first emulator did not: OpenID Connect (nonce, a signed
// id_token verified against the discovery document's keys), the account chooser and
// login_hint, capitalised scope ids, Webex's {message, errors[]} error shape, and JWT
// access tokens. Over real sockets against the emulator.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { kindOfWebexMessage } from '../src/webex/classify.ts'
import { orgIdFromToken } from '../src/webex/resources.ts'
import { appForSuite, Browser, consent, freePort, runCliHere, runFlow, signInPage, startApp, startFlow } from './helpers.ts'

/** A sandbox CLI on a port of its own. */
async function cliEnv (extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { REDIRECT_URI: `http://127.0.0.1:${await freePort()}/oauth`, ...extra }
}

function jwtWith (claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'RS256' })}.${part(claims)}.c2ln`
}

describe('OpenID Connect sign-in', () => {
  const app = appForSuite()

  test('an openid flow sends a nonce, and the tokens page shows the verified claims and the id_token', async () => {
    const browser = new Browser()
    const { start, final } = await runFlow(browser, app.url, ['openid', 'email', 'profile', 'spark:people_read'])
    const nonce = new URL(start.location ?? '').searchParams.get('nonce')
    assert.match(nonce ?? '', /^[A-Za-z0-9_-]{43}$/)
    assert.equal(final.status, 200, final.body.slice(0, 400))
    assert.match(final.body, /Verified sign-in \(OpenID\)/)
    assert.match(final.body, /avery\.admin@sandbox\.example\.com \(verified\)/)
    assert.match(final.body, /<dt>Given name<\/dt><dd>Avery<\/dd>/)
    assert.match(final.body, /id="id-token" type="text" readonly value="eyJ/)
    assert.doesNotMatch(final.body, new RegExp(nonce ?? 'x'), 'the nonce is not shown')
    assert.match(final.body, /&quot;id_token_claims&quot;:\{&quot;sub&quot;/, 'the downloads carry the verified claims')
    await browser.close()
  })

  test('a flow without OpenID scopes sends no nonce and gets no id_token', async () => {
    const browser = new Browser()
    const { start, final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(new URL(start.location ?? '').searchParams.get('nonce'), null)
    assert.equal(final.status, 200)
    assert.doesNotMatch(final.body, /id-token|Verified sign-in/)
    await browser.close()
  })

  for (const [tamper, words] of [
    ['nonce', /nonce does not match/],
    ['audience', /issued to another client/],
    ['expired', /has expired/],
    ['signature', /(signature does not verify|signed with a key Webex does not publish)/],
    ['issuer', /issuer \(iss\)/]
  ] as const) {
    test(`an id_token with a wrong ${tamper} gives the id_token_invalid page and no token`, async () => {
      app.emulator.emulator.idTokenTamper = tamper
      try {
        const browser = new Browser()
        const { final } = await runFlow(browser, app.url, ['openid', 'email'])
        assert.equal(final.status, 502)
        assert.match(final.body, /The sign-in proof \(id_token\) did not verify/)
        assert.match(final.body, words)
        assert.doesNotMatch(final.body, /access-token|eyJ/)
        await browser.close()
      } finally {
        app.emulator.emulator.idTokenTamper = undefined
      }
    })
  }

  test("the emulator refuses openid without a nonce, and the app explains Webex's refusal", async () => {
    const emulatorBase = app.config.webexBaseUrl
    const url = `${emulatorBase}/authorize?response_type=code&client_id=${app.config.clientId}&redirect_uri=${encodeURIComponent(app.config.redirectUri)}&scope=openid&state=s`
    const browser = new Browser()
    const res = await signInPage(browser, url)
    assert.equal(res.status, 302)
    const back = new URL(res.location ?? '')
    assert.equal(back.searchParams.get('error'), 'invalid_request')
    assert.match(back.searchParams.get('error_description') ?? '', /nonce is required/)
    await browser.close()
  })

  test('discovery, keys and userinfo answer as an OpenID provider does', async () => {
    const base = app.config.webexBaseUrl
    const discovery = (await (await request(`${base}/.well-known/openid-configuration`)).body.json()) as {
      issuer: string
      jwks_uri: string
      userinfo_endpoint: string
    }
    assert.equal(discovery.issuer, base)
    const keys = (await (await request(discovery.jwks_uri)).body.json()) as {
      keys: Array<{ kty: string, alg: string, d?: string }>
    }
    assert.equal(keys.keys[0]?.kty, 'RSA')
    assert.equal(keys.keys[0]?.d, undefined, 'no private part')
    const unauthenticated = await request(discovery.userinfo_endpoint)
    assert.equal(unauthenticated.statusCode, 401)
    await unauthenticated.body.dump()
  })
})

describe('choosing the account', () => {
  const app = appForSuite()

  test('the chooser is on by default, and "Sign in as" becomes login_hint', async () => {
    const browser = new Browser()
    const on = await startFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(new URL(on.location ?? '').searchParams.get('prompt'), 'select_account')
    assert.equal(new URL(on.location ?? '').searchParams.get('login_hint'), null)
    const hinted = await browser.fetch(`${app.url}/start`, {
      method: 'POST',
      form: {
        scope: ['spark-admin:people_read'],
        account_choice: '1',
        login_hint: 'casey.compliance@sandbox.example.com'
      }
    })
    const url = new URL(hinted.location ?? '')
    assert.equal(url.searchParams.get('prompt'), null, 'unticked box: no chooser')
    assert.equal(url.searchParams.get('login_hint'), 'casey.compliance@sandbox.example.com')
    const page = await signInPage(browser, hinted.location ?? '')
    assert.match(
      page.body,
      /value="compliance" id="user-compliance" checked/,
      'no session yet: the chooser, with the hinted user preselected'
    )
    const bad = await browser.fetch(`${app.url}/start`, {
      method: 'POST',
      form: { scope: ['spark-admin:people_read'], login_hint: 'not an email' }
    })
    assert.equal(bad.status, 400)
    assert.match(bad.body, /Sign in as&quot; must be one email address|Sign in as" must be one email address/)
    await browser.close()
  })

  test("without the chooser the emulator reuses the browser's session, as Webex does; with it, it asks", async () => {
    const browser = new Browser()
    await runFlow(browser, app.url, ['spark:people_read'], 'user')
    const reused = await browser.fetch(`${app.url}/start`, {
      method: 'POST',
      form: { scope: ['spark:people_read'], account_choice: '1' }
    })
    const silent = await signInPage(browser, reused.location ?? '')
    assert.match(silent.body, /Signed in as <strong>Robin User<\/strong>/)
    assert.doesNotMatch(silent.body, /type="radio"/)
    const chosen = await startFlow(browser, app.url, ['spark:people_read'])
    const chooser = await signInPage(browser, chosen.location ?? '')
    assert.match(chooser.body, /Choose an account/)
    assert.match(chooser.body, /value="user" id="user-user" checked/, 'the session user is preselected')
    await browser.close()
  })
})

describe('capitalised scope ids', () => {
  test('Identity:SCIM goes through the page verbatim, and the emulator matches case exactly', async () => {
    const app = await startApp({}, {}, { scopes: ['Identity:SCIM', 'spark-admin:people_read'] })
    const browser = new Browser()
    const { start, final } = await runFlow(browser, app.url, ['Identity:SCIM'])
    assert.match(start.location ?? '', /scope=Identity%3ASCIM&/)
    assert.equal(final.status, 200)
    assert.match(final.body, /<code>Identity:SCIM<\/code><\/td><td>Yes<\/td><td>Yes/)
    const caught = await browser.fetch(`${app.url}/start`, { method: 'POST', form: { custom: 'identity:scim' } })
    assert.equal(caught.status, 400, 'the page catches the case typo with the suggestion, as SCOPES does')
    assert.match(caught.body, /identity:scim is not in the catalogue, and looks like a typo of Identity:SCIM/)
    const lower = await browser.fetch(`${app.url}/start`, {
      method: 'POST',
      form: { custom: 'identity:scim', allow_unknown: 'on' }
    })
    const refused = await consentOrBack(browser, lower.location ?? '')
    assert.equal(refused.searchParams.get('error'), 'invalid_scope', 'identity:scim is not Identity:SCIM')
    await browser.close()
    await app.close()
  })

  test('the CLI sends a capitalised scope as written, and refuses a SCOPES typo with exit 78', async () => {
    const ok = runCliHere(['token', '--no-browser', '--scopes', 'Identity:SCIM'], await cliEnv())
    const url = new URL(await ok.url)
    assert.equal(url.searchParams.get('scope'), 'Identity:SCIM')
    assert.equal(url.searchParams.get('prompt'), 'select_account')
    ok.interrupt()
    await ok.done
    const typo = await runCliHere(['token', '--no-browser'], await cliEnv({ SCOPES: 'spark-admin:people_reed' })).done
    assert.equal(typo.code, 78)
    assert.match(
      typo.stderr,
      /SCOPES: spark-admin:people_reed is not in the catalogue, and looks like a typo of spark-admin:people_read/
    )
  })

  test('the CLI passes --login-hint and --no-select-account into the authorize URL', async () => {
    const run = runCliHere(
      [
        'token',
        '--no-browser',
        '--scopes',
        'spark:people_read',
        '--no-select-account',
        '--login-hint',
        'robin.user@sandbox.example.com'
      ],
      await cliEnv()
    )
    const url = new URL(await run.url)
    assert.equal(url.searchParams.get('prompt'), null)
    assert.equal(url.searchParams.get('login_hint'), 'robin.user@sandbox.example.com')
    run.interrupt()
    await run.done
    const bad = await runCliHere(
      ['token', '--no-browser', '--scopes', 'spark:people_read', '--login-hint', 'nope'],
      await cliEnv()
    ).done
    assert.equal(bad.code, 2)
  })
})

/** The emulator's answer to an authorize URL: the redirect back, or the consent page's accept. */
async function consentOrBack (browser: Browser, authorizeUrl: string): Promise<URL> {
  const page = await signInPage(browser, authorizeUrl)
  if (page.status === 302 && page.location !== undefined) return new URL(page.location)
  const back = await consent(browser, authorizeUrl, 'admin')
  return new URL(back.location ?? '')
}

describe('answers Webex really gives', () => {
  test('{message, errors[]} bodies map to invalid_client, invalid_grant or "Webex refused" by their words', () => {
    assert.equal(kindOfWebexMessage(400, 'Client Id is invalid'), 'invalid_client')
    assert.equal(kindOfWebexMessage(400, 'The authorization code has expired'), 'invalid_grant')
    assert.equal(kindOfWebexMessage(400, 'grant_type is missing'), 'webex_refused')
    assert.equal(kindOfWebexMessage(400, 'Something odd'), 'webex_refused')
    assert.equal(kindOfWebexMessage(500, 'Something odd'), undefined)
  })

  test('the org id of a JWT access token comes from its realm claim', () => {
    assert.equal(
      orgIdFromToken(jwtWith({ realm: '1eb65fdf-9643-417f-9974-ad72cae0e10f' })),
      '1eb65fdf-9643-417f-9974-ad72cae0e10f'
    )
    assert.equal(orgIdFromToken(jwtWith({ realm: 'not-a-uuid' })), undefined)
    assert.equal(
      orgIdFromToken('abc_PF84_1eb65fdf-9643-417f-9974-ad72cae0e10f'),
      '1eb65fdf-9643-417f-9974-ad72cae0e10f'
    )
  })
})

describe('explanations that name the cause', () => {
  test('access_denied says "you declined" or "your org blocks it" from Webex\'s words', async () => {
    const { errorView } = await import('../src/web/errors.ts')
    const { AppError } = await import('../src/errors.ts')
    assert.match(
      errorView(new AppError('access_denied', { webexDescription: 'The user denied the authorization request' }))
        .summary,
      /declined the consent screen/
    )
    assert.match(
      errorView(
        new AppError('access_denied', { webexDescription: 'This integration is blocked by your organization policy' })
      ).summary,
      /policy blocks this integration/
    )
    assert.match(errorView(new AppError('access_denied', {})).summary, /declined, or an org policy blocks/)
  })

  test('invalid_scope groups the scopes by role, names no role as the cause where several could be, and offers each group alone', async () => {
    const { loadCatalogue, roleGroups, invalidScopeExplanation } = await import('../src/catalogue/index.ts')
    const { SCOPES_DIR } = await import('../src/paths.ts')
    const catalogue = loadCatalogue(SCOPES_DIR)
    const groups = roleGroups(catalogue, [
      'spark:kms',
      'spark-admin:people_read',
      'spark-compliance:messages_read',
      'analytics:read_all',
      'spark-admin:brand_new_read'
    ])
    assert.deepEqual(
      groups.map((g) => [g.role, g.needsRole]),
      [
        ['Compliance Officer', true],
        ['Admin, with Pro Pack', true],
        ['An admin (full or read-only)', true],
        ['No role (any user)', false],
        ['Unknown (not in the catalogue)', false]
      ]
    )
    const several = invalidScopeExplanation(groups)
    assert.match(several.text, /^These scopes need 3 different roles/)
    assert.equal(several.retryEachGroup, true)
    const one = invalidScopeExplanation(roleGroups(catalogue, ['spark-admin:people_read', 'spark-admin:licenses_read']))
    assert.match(one.text, /all need the same one: An admin \(full or read-only\)/)
    assert.equal(one.retryEachGroup, false)
    assert.match(
      invalidScopeExplanation(roleGroups(catalogue, ['spark:kms'])).text,
      /not registered on the integration/
    )
  })
})
