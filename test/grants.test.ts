// The Grants page over real sockets against the emulator: its own sign-in, the list, revoking
// one grant and every grant of a client after a confirmation page, the role refusals, a
// revoked token failing afterwards, "Revoke these tokens" on the tokens page, and the audit
// trail (its lines, its mode, and no secret in it).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { DEMO_USERS } from '../src/sandbox/users.ts'
import { appForSuite, Browser, consent, hiddenFields, runFlow, startApp, type Page, type RunningApp } from './helpers.ts'

const form = hiddenFields

/** The Grants sign-in as a demo user; returns the page the callback shows. */
async function grantsSignIn (
  browser: Browser,
  app: RunningApp,
  user: 'admin' | 'readonly' | 'user' = 'admin'
): Promise<Page> {
  const start = await browser.fetch(`${app.url}/start`, { form: { purpose: 'grants', account_choice: '1' } })
  assert.equal(start.status, 200)
  const back = await consent(browser, start.location ?? '', user)
  assert.equal(back.status, 302)
  return browser.fetch(back.location ?? '')
}

async function peopleMe (app: RunningApp, token: string): Promise<number> {
  const res = await request(`${app.emulator.base}/people/me`, { headers: { authorization: `Bearer ${token}` } })
  await res.body.dump()
  return res.statusCode
}

async function refreshGrant (app: RunningApp, refreshToken: string): Promise<{ status: number, error?: string }> {
  const res = await request(`${app.emulator.base}/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: app.config.clientId,
      client_secret: app.config.clientSecret
    }).toString()
  })
  const body = (await res.body.json()) as { error?: string }
  return { status: res.statusCode, error: body.error }
}

describe('the Grants page', () => {
  let app: RunningApp
  let auditFile: string
  before(async () => {
    auditFile = join(mkdtempSync(join(tmpdir(), 'wti-audit-')), 'audit.jsonl')
    app = await startApp({ AUDIT_LOG: auditFile })
  })
  after(async () => {
    await app.close()
  })

  test("its sign-in asks for the two identity scopes only, and lists the admin's own grants by application, this tool marked", async () => {
    const browser = new Browser()
    const intro = await browser.fetch(`${app.url}/grants`)
    assert.equal(intro.status, 200)
    assert.match(intro.body, /name="purpose" value="grants"/)
    const start = await browser.fetch(`${app.url}/start`, {
      form: { purpose: 'grants', scope: 'spark-admin:people_write' }
    })
    const scope = new URL(start.location ?? '').searchParams.get('scope')
    assert.equal(scope, 'identity:tokens_read identity:tokens_write', 'the posted scope is ignored')
    const page = await grantsSignIn(browser, app)
    assert.equal(page.status, 200, page.body)
    assert.equal(page.headers['cache-control'], 'no-store')
    assert.match(page.body, /Signed in as <strong>Avery Admin<\/strong>/)
    assert.match(page.body, /for avery\.admin@sandbox\.example\.com \(you\)/)
    // This tool's integration first, marked, then the others by name.
    const headings = [...page.body.matchAll(/<h2 id="app-\d+-h">([^<]+)(<span class="badge">this tool<\/span>)?/g)].map(
      (m) => `${(m[1] ?? '').trim()}${m[2] === undefined ? '' : ' [this tool]'}`
    )
    assert.deepEqual(headings, ['webex-token-issuer [this tool]', 'Developer Portal', 'Webex Web Client'])
    // The page's token is in its forms only: never shown as text.
    const token = app.emulator.emulator.issued.at(-1)?.accessToken ?? ''
    assert.equal(form(page.body, '/grants/list').access_token, token)
    assert.ok(!page.body.replace(/value="[^"]*"/g, '').includes(token))
    await browser.close()
  })

  test('another person by email; an unknown email keeps the page, with a 404 and an explanation', async () => {
    const browser = new Browser()
    const page = await grantsSignIn(browser, app)
    const list = form(page.body, '/grants/list')
    const other = await browser.fetch(`${app.url}/grants/list`, {
      form: { ...list, email: 'casey.compliance@sandbox.example.com' }
    })
    assert.equal(other.status, 200, other.body)
    assert.match(other.body, /2 grants for casey\.compliance@sandbox\.example\.com, in 2 applications/)
    const unknown = await browser.fetch(`${app.url}/grants/list`, {
      form: { ...list, email: 'nobody@sandbox.example.com' }
    })
    assert.equal(unknown.status, 404)
    assert.match(unknown.body, /Webex found no person with the email nobody@sandbox\.example\.com in your org/)
    assert.equal(
      form(unknown.body, '/grants/list').access_token,
      list.access_token,
      'the token is kept for another try'
    )
    await browser.close()
  })

  test('revoking one grant: a confirmation that says what stops, then the result; the revoked tokens fail at Webex afterwards', async () => {
    // Robin signs in for tokens as any user would.
    const user = new Browser()
    await runFlow(user, app.url, ['spark:people_read'], 'user')
    const issued = app.emulator.emulator.issued.at(-1)
    assert.ok(issued?.accessToken !== undefined && issued.refreshToken !== undefined)
    assert.equal(await peopleMe(app, issued.accessToken), 200)

    const admin = new Browser()
    const page = await grantsSignIn(admin, app)
    const robin = await admin.fetch(`${app.url}/grants/list`, {
      form: { ...form(page.body, '/grants/list'), email: 'robin.user@sandbox.example.com' }
    })
    assert.equal(robin.status, 200, robin.body)
    const refreshRow = app.emulator.emulator.grants
      .forPerson(personId('user'))
      .find((g) => g.type === 'refresh' && g.applicationName === 'webex-token-issuer')
    assert.ok(refreshRow !== undefined)
    const confirm = await admin.fetch(`${app.url}/grants/confirm`, {
      form: form(robin.body, '/grants/confirm', ['authorization_id', refreshRow.id])
    })
    assert.equal(confirm.status, 200, confirm.body)
    assert.match(confirm.body, /Revoke this grant\?/)
    assert.match(
      confirm.body,
      /webex-token-issuer loses this sign-in: its refresh token and every access token made from it stop working at once/
    )
    assert.equal(await peopleMe(app, issued.accessToken), 200, 'nothing is revoked before the confirmation')

    const done = await admin.fetch(`${app.url}/grants/revoke`, { form: form(confirm.body, '/grants/revoke') })
    assert.equal(done.status, 200, done.body)
    assert.match(done.body, /<h2 id="revoked-h">Revoked<\/h2>/)
    assert.match(done.body, /webex-token-issuer refresh grant created/)
    assert.ok(!done.body.includes(refreshRow.id), 'the list shown afterwards no longer has it')
    assert.equal(await peopleMe(app, issued.accessToken), 401)
    assert.deepEqual(await refreshGrant(app, issued.refreshToken), { status: 400, error: 'invalid_grant' })
    await Promise.all([user.close(), admin.close()])
  })

  test('revoking every grant of one application in the org needs its name typed, and says who is affected; a Webex app is flagged', async () => {
    const browser = new Browser()
    const page = await grantsSignIn(browser, app)
    const portal = 'C80fb9c7096bd8474627317ee1d7a817eff372ca9c9cee3ce43c3ea3e8d1511ec'
    assert.match(page.body, /Developer Portal <span class="badge webex-own">Webex's own app<\/span>/)
    assert.doesNotMatch(
      page.body,
      /webex-token-issuer(<[^>]+>|\s)*<span class="badge webex-own">/,
      "this tool is not Webex's"
    )
    const confirm = await browser.fetch(`${app.url}/grants/confirm`, {
      form: form(page.body, '/grants/confirm', ['client_id', portal])
    })
    assert.equal(confirm.status, 200, confirm.body)
    assert.match(confirm.body, /Revoke every grant of Developer Portal\?/)
    assert.match(confirm.body, /Every person in the org who signed in to Developer Portal loses that sign-in/)
    assert.match(
      confirm.body,
      /id="affected">Everyone in your org who signed in to Developer Portal\. Webex does not list them in advance; you hold 1 grant of it\./
    )
    assert.match(confirm.body, /everyone in the org is signed out of it at once/)
    assert.match(confirm.body, /<input id="confirm-name" name="confirm_name" required/)
    // Two plain clicks are not enough, nor a near miss.
    for (const typed of [undefined, 'developer portal', 'Developer']) {
      const refused = await browser.fetch(`${app.url}/grants/revoke`, {
        form: { ...form(confirm.body, '/grants/revoke'), ...(typed === undefined ? {} : { confirm_name: typed }) }
      })
      assert.equal(refused.status, 400, String(typed))
      assert.match(
        refused.body,
        /id="confirm-problem">Type the application&#x27;s name, Developer Portal, exactly as shown[\s\S]*Nothing was revoked/
      )
      assert.ok(
        app.emulator.emulator.grants.forPerson(DEMO_USERS[0]?.personId ?? '').some((g) => g.clientId === portal),
        'nothing was revoked'
      )
    }
    const done = await browser.fetch(`${app.url}/grants/revoke`, {
      form: { ...form(confirm.body, '/grants/revoke'), confirm_name: ' Developer Portal ' }
    })
    assert.equal(done.status, 200, done.body)
    assert.match(done.body, /Every grant of Developer Portal in the org/)
    const left = app.emulator.emulator.grants
    for (const user of DEMO_USERS) {
      assert.equal(left.forPerson(user.personId).filter((g) => g.clientId === portal).length, 0, user.key)
    }
    await browser.close()
  })

  test('a read-only admin may neither list nor revoke (Webex supports no read-only admin there); a token without identity:tokens_read may not list; each gets an explanatory page', async () => {
    const browser = new Browser()
    const refused = await grantsSignIn(browser, app, 'readonly')
    assert.equal(refused.status, 403)
    assert.match(refused.body, /Webex did not allow this/)
    assert.match(refused.body, /Webex does not let a read-only administrator list or revoke grants/)
    assert.match(refused.body, /Read-only administrators are not supported/, "Webex's own words are shown")
    assert.doesNotMatch(refused.body, /name="access_token"/, "the page's token goes nowhere")

    const plain = new Browser()
    await runFlow(plain, app.url, ['spark-admin:people_read'], 'admin')
    const token = app.emulator.emulator.issued.at(-1)?.accessToken ?? ''
    const noScope = await plain.fetch(`${app.url}/grants/list`, { form: { access_token: token } })
    assert.equal(noScope.status, 403)
    assert.match(noScope.body, /The access token was not issued for the identity:tokens_read scope/)
    await Promise.all([browser.close(), plain.close()])
  })

  test("Webex refusing or failing the list gets its own page, with Webex's words and tracking id", async () => {
    const browser = new Browser()
    const page = await grantsSignIn(browser, app)
    const list = form(page.body, '/grants/list')
    app.emulator.emulator.faults.push('authorizations', {
      kind: 'status',
      status: 400,
      body: JSON.stringify({ message: 'personEmail is malformed for this org', trackingId: 'ROUTER_TEST_1' })
    })
    const refused = await browser.fetch(`${app.url}/grants/list`, { form: list })
    assert.equal(refused.status, 502)
    assert.match(refused.body, /Webex refused the request \(HTTP 400\)/)
    assert.match(refused.body, /personEmail is malformed for this org/)
    assert.match(refused.body, /ROUTER_TEST_1/)
    // A 5xx is retried like every idempotent GET, then reported.
    app.emulator.emulator.faults.push(
      'authorizations',
      ...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 }))
    )
    const down = await browser.fetch(`${app.url}/grants/list`, { form: list })
    assert.equal(down.status, 503)
    assert.match(down.body, /Webex could not be reached or answered badly/)
    // An answer cut off mid-body: undici's retry asks for the rest with a Range header, which
    // Webex's API does not serve (the emulator answers whole again), so it is reported at once,
    // never joined to another answer and never a hang; the next request is served as usual.
    const hits = app.emulator.emulator.hits.authorizations
    app.emulator.emulator.faults.push('authorizations', { kind: 'truncate' })
    const cut = await browser.fetch(`${app.url}/grants/list`, { form: list })
    assert.equal(cut.status, 502)
    assert.match(cut.body, /cut off mid-answer/)
    assert.equal(app.emulator.emulator.hits.authorizations, hits + 2)
    const again = await browser.fetch(`${app.url}/grants/list`, { form: list })
    assert.equal(again.status, 200)
    await browser.close()
  })

  test('a non-admin cannot get the Grants sign-in at all: invalid_scope, explained by role', async () => {
    const browser = new Browser()
    const page = await grantsSignIn(browser, app, 'user')
    assert.equal(page.status, 403)
    assert.match(page.body, /Webex refused the requested scopes/)
    assert.match(page.body, /identity:tokens_read/)
    await browser.close()
  })

  test('state-changing Grants steps need an origin proof like every other POST', async () => {
    const browser = new Browser()
    const page = await grantsSignIn(browser, app)
    const confirm = await browser.fetch(`${app.url}/grants/confirm`, { form: form(page.body, '/grants/confirm') })
    const crossSite = await browser.fetch(`${app.url}/grants/revoke`, {
      form: form(confirm.body, '/grants/revoke'),
      headers: { origin: 'https://evil.example' }
    })
    assert.equal(crossSite.status, 403)
    const none = await browser.fetch(`${app.url}/grants/revoke`, {
      form: form(confirm.body, '/grants/revoke'),
      headers: { origin: '' }
    })
    assert.equal(none.status, 403)
    await browser.close()
  })

  test('the audit trail: one line per event, mode 0600, and no token, code or secret anywhere in it', async () => {
    // Every web event, made here whatever ran before: a sign-in, a refresh, a check, a Grants
    // sign-in and one revocation (Robin's seeded Webex Web Client grant).
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'], 'admin')
    const refresh = form(final.body, '/refresh')
    assert.equal((await browser.fetch(`${app.url}/refresh`, { form: refresh })).status, 200)
    const checked = app.emulator.emulator.issued.at(-1)?.accessToken ?? ''
    assert.equal((await browser.fetch(`${app.url}/check`, { form: { access_token: checked } })).status, 200)
    const own = await grantsSignIn(browser, app)
    const robin = await browser.fetch(`${app.url}/grants/list`, {
      form: { ...form(own.body, '/grants/list'), email: 'robin.user@sandbox.example.com' }
    })
    const webClient = app.emulator.emulator.grants
      .forPerson(personId('user'))
      .find((g) => g.applicationName === 'Webex Web Client')
    assert.ok(webClient !== undefined)
    const confirm = await browser.fetch(`${app.url}/grants/confirm`, {
      form: form(robin.body, '/grants/confirm', ['authorization_id', webClient.id])
    })
    assert.equal(
      (await browser.fetch(`${app.url}/grants/revoke`, { form: form(confirm.body, '/grants/revoke') })).status,
      200
    )
    await browser.close()

    assert.equal(statSync(auditFile).mode & 0o777, 0o600)
    const text = readFileSync(auditFile, 'utf8')
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const events = new Set(
      lines.map((l) => `${String(l.event)}${l.purpose === undefined ? '' : `/${String(l.purpose)}`}`)
    )
    for (const e of ['token_issued/tokens', 'token_issued/grants', 'token_refreshed', 'token_checked', 'grant_revoked']) {
      assert.ok(events.has(e), `${e} in ${[...events].join(', ')}`)
    }
    const issuedLine = lines.findLast((l) => l.event === 'token_issued' && l.purpose === 'tokens')
    assert.equal(issuedLine?.person_email, 'avery.admin@sandbox.example.com')
    assert.equal(issuedLine?.client_id, app.config.clientId)
    assert.match(String(issuedLine?.access_token_fingerprint), /^sha256:[0-9a-f]{16}$/)
    assert.match(String(issuedLine?.tracking_id), /\S/)
    assert.ok(!Number.isNaN(Date.parse(String(issuedLine?.expires_at))))
    const revoked = lines.filter((l) => l.event === 'grant_revoked')
    assert.ok(
      revoked.some((l) => (l.revoked as { authorization_id?: string }).authorization_id === webClient.id),
      JSON.stringify(revoked)
    )
    // The secrecy check: nothing the emulator issued, and no client secret.
    for (const record of app.emulator.emulator.issued) {
      for (const secret of [record.code, record.accessToken, record.refreshToken, record.idToken]) {
        if (secret !== undefined && secret !== '') {
          assert.ok(!text.includes(secret), 'a token or code reached the audit file')
        }
      }
    }
    assert.ok(!text.includes(app.config.clientSecret))
    assert.ok(!app.logs.text.includes(app.emulator.emulator.issued.at(-1)?.accessToken ?? 'x'))
  })
})

function personId (key: string): string {
  return DEMO_USERS.find((u) => u.key === key)?.personId ?? ''
}

// The issue's case: two sign-ins of one admin, A then B. "Revoke these tokens" on A's page must
// revoke A's grant, never the newest; where Webex's list cannot prove which grant is whose, the
// page says so and sends the admin to the Grants page with the candidates marked.
describe('"Revoke these tokens" after two sign-ins of the same admin', () => {
  const GRANTS_SCOPES = ['spark-admin:people_read', 'identity:tokens_read', 'identity:tokens_write']
  let clock = Date.parse('2026-12-02T10:00:00Z')
  const app = appForSuite({}, { now: () => clock })

  async function signIn (browser: Browser) {
    const { final } = await runFlow(browser, app.url, GRANTS_SCOPES, 'admin')
    assert.equal(final.status, 200, final.body.slice(0, 300))
    const issued = app.emulator.emulator.issued.at(-1)
    assert.ok(issued?.refreshToken !== undefined)
    return {
      page: final.body,
      refreshToken: issued.refreshToken,
      grantId: app.emulator.emulator.grants.byToken(issued.refreshToken)?.id
    }
  }

  test("A's page revokes A's grant: A's refresh token stops working and B's does not; B, made in the same second, is not guessed", async () => {
    const browser = new Browser()
    const a = await signIn(browser)
    const b = await signIn(browser)
    assert.notEqual(a.grantId, b.grantId)
    assert.equal(
      form(a.page, '/grants/confirm').authorization_id,
      a.grantId,
      "A is the only sign-in when A's page is made: proven"
    )
    // B's page cannot tell B from A (same second): no revoke form, the candidates for the Grants page.
    assert.doesNotMatch(b.page, /action="\/grants\/confirm"/)
    assert.match(
      b.page,
      /id="revoke-unproven">2 sign-ins of this integration were made at about the same time as this one/
    )
    const toGrants = form(b.page, '/grants/list')
    assert.deepEqual(toGrants.candidates?.split(' ').sort(), [a.grantId, b.grantId].sort())
    const list = await browser.fetch(`${app.url}/grants/list`, { form: toGrants })
    assert.equal(list.status, 200)
    assert.match(list.body, /id="candidates-note">The 2 grants marked/)
    assert.equal((list.body.match(/maybe these tokens<\/span>/g) ?? []).length, 2)

    const confirm = await browser.fetch(`${app.url}/grants/confirm`, { form: form(a.page, '/grants/confirm') })
    assert.match(confirm.body, new RegExp(a.grantId ?? 'x'), "the confirmation names A's grant")
    assert.doesNotMatch(confirm.body, new RegExp(b.grantId ?? 'x'))
    const done = await browser.fetch(`${app.url}/grants/revoke`, { form: form(confirm.body, '/grants/revoke') })
    assert.equal(done.status, 200, done.body)
    assert.deepEqual(await refreshGrant(app, a.refreshToken), { status: 400, error: 'invalid_grant' })
    assert.equal((await refreshGrant(app, b.refreshToken)).status, 200, 'B, an unrelated sign-in, still works')
    await browser.close()
  })

  test('"Revoke these tokens" on the tokens page revokes that sign-in, proven by Webex\'s list, after a confirmation; tokens without the identity scopes say where else to revoke', async () => {
    const browser = new Browser()
    clock += 60_000
    const { final } = await runFlow(
      browser,
      app.url,
      ['spark-admin:people_read', 'identity:tokens_read', 'identity:tokens_write'],
      'admin'
    )
    assert.equal(final.status, 200)
    const issued = app.emulator.emulator.issued.at(-1)
    assert.ok(issued?.accessToken !== undefined && issued.refreshToken !== undefined)
    const own = form(final.body, '/grants/confirm')
    assert.equal(
      own.authorization_id,
      app.emulator.emulator.grants.byToken(issued.refreshToken)?.id,
      "the sign-in's own grant, by id"
    )
    const confirm = await browser.fetch(`${app.url}/grants/confirm`, { form: own })
    assert.equal(confirm.status, 200, confirm.body)
    assert.match(confirm.body, /<dt>Type<\/dt><dd>Refresh \(a sign-in\)<\/dd>/)
    const done = await browser.fetch(`${app.url}/grants/revoke`, { form: form(confirm.body, '/grants/revoke') })
    assert.equal(done.status, 200, done.body)
    assert.match(done.body, /included the token these pages were using/)
    assert.equal(await peopleMe(app, issued.accessToken), 401)
    assert.deepEqual(await refreshGrant(app, issued.refreshToken), { status: 400, error: 'invalid_grant' })

    const { final: plain } = await runFlow(browser, app.url, ['spark-admin:people_read'], 'admin')
    assert.doesNotMatch(plain.body, /action="\/grants\/confirm"/)
    assert.match(plain.body, /on the <a href="\/grants">Grants<\/a> page/)
    await browser.close()
  })

  test('the Grants page marks its own session; revoking it says so before and after', async () => {
    clock += 60_000
    const browser = new Browser()
    const page = await grantsSignIn(browser, app)
    assert.equal(page.status, 200, page.body)
    const session = app.emulator.emulator.grants.byToken(app.emulator.emulator.issued.at(-1)?.refreshToken ?? '')?.id
    assert.ok(session !== undefined)
    assert.equal(form(page.body, '/grants/list').session_grant, session, 'proven at the sign-in, carried in the forms')
    assert.equal((page.body.match(/<span class="badge session"/g) ?? []).length, 1)
    assert.match(
      page.body,
      /this page's session<\/span><br><span class="small session-note">This is this page&#x27;s own session: revoking it signs you out here/
    )
    const confirm = await browser.fetch(`${app.url}/grants/confirm`, {
      form: form(page.body, '/grants/confirm', ['authorization_id', session])
    })
    assert.match(
      confirm.body,
      /id="session-warning"><strong>This is this page&#x27;s own session: revoking it signs you out here/
    )
    const other = form(page.body, '/grants/confirm', [
      'client_id',
      'C64ab04639eefee4798f58e7bc3fe01d47161be0d97ff0d31e040a6ffe66d7f0a'
    ])
    assert.doesNotMatch(
      (await browser.fetch(`${app.url}/grants/confirm`, { form: other })).body,
      /id="session-warning"/
    )
    const done = await browser.fetch(`${app.url}/grants/revoke`, { form: form(confirm.body, '/grants/revoke') })
    assert.equal(done.status, 200)
    assert.match(done.body, /This is this page&#x27;s own session: revoking it signs you out here/)
    assert.match(done.body, /included the token these pages were using/)
    await browser.close()
  })

  test('sign-ins seconds apart are each proven; renewed tokens send the admin to the Grants page', async () => {
    const browser = new Browser()
    clock += 60_000
    const a = await signIn(browser)
    clock += 5_000
    const b = await signIn(browser)
    assert.equal(form(a.page, '/grants/confirm').authorization_id, a.grantId)
    assert.equal(form(b.page, '/grants/confirm').authorization_id, b.grantId)
    const renewed = await browser.fetch(`${app.url}/refresh`, { form: { refresh_token: b.refreshToken } })
    assert.equal(renewed.status, 200)
    assert.doesNotMatch(renewed.body, /action="\/grants\/confirm"/)
    assert.match(renewed.body, /id="revoke-unproven">These tokens came from a refresh of an earlier sign-in/)
    await browser.close()
  })
})
