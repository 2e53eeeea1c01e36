// Service App tokens over real sockets against the emulator: the page (its own sign-in, the
// form, the tokens page marked as a Service App's, refresh with the app's secret typed again)
// and `service-app token` in the CLI, each error with its own explanation, and the app's
// secret kept nowhere (not in a page, a cookie, a log or the audit file).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import { DEMO_SERVICE_APPS } from '../src/sandbox/service-apps.ts'
import {
  Browser,
  CLIENT_ID,
  CLIENT_SECRET,
  cliSignIn,
  consent,
  freePort,
  hiddenField,
  type Page,
  runCliHere,
  runFlow,
  type RunningApp,
  type RunningEmulator,
  startApp,
  startEmulator
} from './helpers.ts'

const [AUTHORIZED, NOT_AUTHORIZED] = DEMO_SERVICE_APPS
if (AUTHORIZED === undefined || NOT_AUTHORIZED === undefined) throw new Error('the emulator has two demo Service Apps')

function inputValue (html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]?.replace(/&#x3D;/g, '=') ?? ''
}

describe('the Service App page', () => {
  let app: RunningApp
  let auditFile: string
  before(async () => {
    auditFile = join(mkdtempSync(join(tmpdir(), 'wti-audit-')), 'audit.jsonl')
    app = await startApp({ AUDIT_LOG: auditFile })
  })
  after(async () => {
    await app.close()
  })

  /** The page's sign-in as the sandbox's full admin; returns the form page. */
  async function signIn (browser: Browser): Promise<Page> {
    const start = await browser.fetch(`${app.url}/start`, { form: { purpose: 'service-app', account_choice: '1' } })
    assert.equal(new URL(start.location ?? '').searchParams.get('scope'), 'spark:applications_token')
    const back = await consent(browser, start.location ?? '', 'admin')
    return browser.fetch(back.location ?? '')
  }

  function submit (
    browser: Browser,
    form: Page,
    fields: Partial<Record<'access_token' | 'application_id' | 'client_id' | 'client_secret' | 'target_org_id', string>>
  ): Promise<Page> {
    return browser.fetch(`${app.url}/service-app/token`, {
      form: {
        access_token: hiddenField(form.body, 'access_token'),
        application_id: AUTHORIZED?.applicationId ?? '',
        client_id: AUTHORIZED?.clientId ?? '',
        client_secret: AUTHORIZED?.clientSecret ?? '',
        target_org_id: inputValue(form.body, 'target_org_id'),
        ...fields
      }
    })
  }

  test("sign-in, the form with the admin's org filled in, the Service App's tokens marked as such; refresh asks for the app's secret again", async () => {
    const browser = new Browser()
    assert.equal((await browser.fetch(`${app.url}/service-app`)).status, 200)
    const form = await signIn(browser)
    assert.equal(form.status, 200, form.body)
    assert.match(inputValue(form.body, 'target_org_id'), /^Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi/)
    const tokens = await submit(browser, form, {})
    assert.equal(tokens.status, 200, tokens.body)
    assert.match(
      tokens.body,
      /A Service App's tokens<\/strong> \(client id <code>C0sandbox0service0app0directorysync<\/code>\)/
    )
    const issued = app.emulator.emulator.issued.at(-1)
    assert.equal(issued?.user, 'machine')
    assert.ok(tokens.body.includes(issued?.accessToken ?? 'x'))
    assert.match(tokens.body, /Directory Sync \(demo service app\)/, 'people/me names the machine account')
    for (const page of [form, tokens]) {
      assert.ok(!page.body.includes(AUTHORIZED?.clientSecret ?? 'x'), 'the secret is never on a page')
    }
    assert.ok(!JSON.stringify(tokens.headers).includes(AUTHORIZED?.clientSecret ?? 'x'), 'nor in a header or cookie')

    // Refresh: the app's client id travels with the form, its secret is typed again.
    const refreshToken = hiddenField(tokens.body, 'refresh_token')
    assert.equal(hiddenField(tokens.body, 'client_id'), AUTHORIZED?.clientId)
    const noSecret = await browser.fetch(`${app.url}/refresh`, {
      form: { refresh_token: refreshToken, client_id: AUTHORIZED?.clientId ?? '' }
    })
    assert.equal(noSecret.status, 400)
    assert.match(noSecret.body, /type its client secret/)
    const renewed = await browser.fetch(`${app.url}/refresh`, {
      form: {
        refresh_token: refreshToken,
        client_id: AUTHORIZED?.clientId ?? '',
        client_secret: AUTHORIZED?.clientSecret ?? ''
      }
    })
    assert.equal(renewed.status, 200, renewed.body)
    assert.match(renewed.body, /Your renewed Webex tokens/)
    assert.match(renewed.body, /A Service App's tokens/)
    const withOurs = await browser.fetch(`${app.url}/refresh`, { form: { refresh_token: refreshToken } })
    assert.equal(withOurs.status, 400, "this tool's own credentials cannot refresh the app's token")
    await browser.close()

    assert.ok(!app.logs.text.includes(AUTHORIZED?.clientSecret ?? 'x'), 'the secret never reaches the log')
    const audit = readFileSync(auditFile, 'utf8')
    assert.ok(!audit.includes(AUTHORIZED?.clientSecret ?? 'x'))
    const line = audit
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string, client_id: string })
      .find((l) => l.event === 'service_app_token_issued')
    assert.equal(line?.client_id, AUTHORIZED?.clientId)
  })

  test('spark:applications_token needs an admin, as the catalogue says: a user without an admin role gets invalid_scope', async () => {
    const browser = new Browser()
    const start = await browser.fetch(`${app.url}/start`, { form: { purpose: 'service-app', account_choice: '1' } })
    const back = await consent(browser, start.location ?? '', 'user')
    assert.equal(new URL(back.location ?? '').searchParams.get('error'), 'invalid_scope')
    const page = await browser.fetch(back.location ?? '')
    assert.equal(page.status, 403)
    assert.match(page.body, /<dt>An admin \(full or read-only\)<\/dt>\s*<dd><code>spark:applications_token<\/code>/)
    await browser.close()
  })

  test('each failure explains itself: not authorized in the org, a wrong secret, an unknown app, a token without spark:applications_token', async () => {
    const browser = new Browser()
    const form = await signIn(browser)
    const notAuthorized = await submit(browser, form, {
      application_id: NOT_AUTHORIZED?.applicationId,
      client_id: NOT_AUTHORIZED?.clientId,
      client_secret: NOT_AUTHORIZED?.clientSecret
    })
    assert.equal(notAuthorized.status, 403)
    assert.match(notAuthorized.body, /The Service App is not authorized in that org/)
    // Each refusal is the form again, its fields kept but the secret, not a page that leads to /.
    assert.match(notAuthorized.body, /<h1>Service App tokens<\/h1>/)
    assert.equal(inputValue(notAuthorized.body, 'client_id'), NOT_AUTHORIZED?.clientId)
    assert.ok(!notAuthorized.body.includes(NOT_AUTHORIZED?.clientSecret ?? 'x'), 'never the secret')
    assert.match(notAuthorized.body, /Control Hub: Apps → Service Apps → the app → Authorize/)
    // Webex's 400 for a wrong secret names the Service App's secret, on the form again, never this
    // tool's CLIENT_SECRET.
    const wrongSecret = await submit(browser, form, { client_secret: 'not-the-secret' })
    assert.equal(wrongSecret.status, 400)
    assert.match(wrongSecret.body, /<h1>Service App tokens<\/h1>/, 'the form again')
    assert.match(
      wrongSecret.body,
      /not the app&#x27;s current one\. This tool&#x27;s own CLIENT_ID and CLIENT_SECRET are not involved/
    )
    assert.match(wrongSecret.body, /Webex said: &quot;The provided clientSecret is invalid&quot;/)
    assert.doesNotMatch(wrongSecret.body, /\.env\.local/)
    assert.doesNotMatch(wrongSecret.body, /not-the-secret/)
    assert.equal(inputValue(wrongSecret.body, 'client_id'), AUTHORIZED?.clientId)
    const unknown = await submit(browser, form, { application_id: 'Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL25vbmU' })
    assert.equal(unknown.status, 404)
    assert.match(unknown.body, /knows no Service App with the application id/)
    assert.equal(inputValue(unknown.body, 'application_id'), 'Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL25vbmU')
    const missing = await submit(browser, form, { client_secret: ' ' })
    assert.equal(missing.status, 400)
    assert.match(missing.body, /The client secret field is empty/)
    assert.equal(
      inputValue(missing.body, 'client_id'),
      AUTHORIZED?.clientId,
      'what was typed is kept, except the secret'
    )

    const plain = new Browser()
    const { final } = await runFlow(plain, app.url, ['spark-admin:people_read'], 'admin')
    const token =
      /id="access-token"[^>]*value="([^"]+)"/.exec(final.body)?.[1] ??
      app.emulator.emulator.issued.at(-1)?.accessToken ??
      ''
    const noScope = await submit(plain, form, { access_token: token })
    assert.equal(noScope.status, 403)
    assert.match(noScope.body, /lacks spark:applications_token/)
    await Promise.all([browser.close(), plain.close()])
  })
})

describe('webex-token-issuer service-app token', () => {
  let emu: RunningEmulator
  let env: Record<string, string>
  let integration: string
  before(async () => {
    const port = await freePort()
    emu = await startEmulator([`http://127.0.0.1:${port}/oauth`])
    env = { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI: `http://127.0.0.1:${port}/oauth`, WEBEX_BASE_URL: emu.base }
    integration = (
      JSON.parse((await cliSignIn(['--scopes', 'spark:applications_token'], env)).stdout) as { access_token: string }
    ).access_token
  })
  after(async () => {
    await emu.app.close()
  })

  const args = (app = AUTHORIZED) => [
    'service-app',
    'token',
    '--app-id',
    app?.applicationId ?? '',
    '--client-id',
    app?.clientId ?? ''
  ]

  test("the app's secret on stdin, the integration token in WEBEX_ACCESS_TOKEN: env output naming the app's client; refresh then uses the app's credentials", async () => {
    const run = await runCliHere(
      [...args(), '--format', 'env'],
      { ...env, WEBEX_ACCESS_TOKEN: integration },
      AUTHORIZED?.clientSecret
    ).done
    assert.equal(run.code, 0, run.stderr)
    const vars = parseDotenv(run.stdout)
    assert.equal(vars.WEBEX_ACCESS_TOKEN, emu.emulator.issued.at(-1)?.accessToken)
    assert.equal(vars.WEBEX_CLIENT_ID, AUTHORIZED?.clientId)
    assert.ok(!run.stderr.includes(AUTHORIZED?.clientSecret ?? 'x'))

    const dir = mkdtempSync(join(tmpdir(), 'wti-sa-'))
    writeFileSync(join(dir, 'sa.env'), run.stdout, { mode: 0o600 })
    writeFileSync(join(dir, 'secret'), `${AUTHORIZED?.clientSecret ?? ''}\n`, { mode: 0o600 })
    const refreshed = await runCliHere(
      ['refresh', '--in', join(dir, 'sa.env'), '--client-secret-file', join(dir, 'secret'), '--format', 'json'],
      env
    ).done
    assert.equal(refreshed.code, 0, refreshed.stderr)
    assert.equal(
      (JSON.parse(refreshed.stdout) as { access_token: string, client_id: string }).client_id,
      AUTHORIZED?.clientId
    )
    const piped = await runCliHere(['refresh', '--in', join(dir, 'sa.env')], env, AUTHORIZED?.clientSecret).done
    assert.equal(piped.code, 0, piped.stderr)
    const noSecret = await runCliHere(['refresh', '--in', join(dir, 'sa.env')], env, '').done
    assert.equal(noSecret.code, 2)
    const wrongSecret = await runCliHere(['refresh', '--in', join(dir, 'sa.env')], env, 'wrong-secret').done
    assert.equal(wrongSecret.code, 7)
    assert.match(
      wrongSecret.stderr,
      /the Service App's client id or secret/,
      "the refresh names the app's secret, not CLIENT_SECRET"
    )
  })

  test('errors have their own exit codes and words: not authorized 17, wrong secret 7, unknown app 15, no spark:applications_token 14, a secret asked for on a terminal 2', async () => {
    const withToken = { ...env, WEBEX_ACCESS_TOKEN: integration }
    const notAuthorized = await runCliHere(args(NOT_AUTHORIZED), withToken, NOT_AUTHORIZED?.clientSecret).done
    assert.equal(notAuthorized.code, 17)
    assert.match(notAuthorized.stderr, /not authorized in that org/)
    const wrong = await runCliHere(args(), withToken, 'wrong-secret').done
    assert.equal(wrong.code, 7)
    assert.match(wrong.stderr, /Webex did not accept the Service App's client id or secret/)
    assert.match(wrong.stderr, /This tool's own CLIENT_ID and CLIENT_SECRET are not involved/)
    assert.doesNotMatch(wrong.stderr, /\.env\.local/)
    const unknown = await runCliHere(
      ['service-app', 'token', '--app-id', 'nope', '--client-id', 'C0nope0000'],
      withToken,
      'secret'
    ).done
    assert.equal(unknown.code, 15)
    const plainToken = (
      JSON.parse((await cliSignIn(['--scopes', 'spark-admin:people_read'], env)).stdout) as { access_token: string }
    ).access_token
    const noScope = await runCliHere(args(), { ...env, WEBEX_ACCESS_TOKEN: plainToken }, AUTHORIZED?.clientSecret).done
    assert.equal(noScope.code, 14)
    assert.match(noScope.stderr, /lacks spark:applications_token/)
    const tty = await runCliHere(args(), withToken, '', { tty: true }).done
    assert.equal(tty.code, 2)
    assert.match(tty.stderr, /--client-secret-file FILE or pipe it on stdin/)
  })

  test("in sandbox mode --sign-in runs against this run's own emulator", async () => {
    const port = await freePort()
    const run = runCliHere(
      [...args(), '--sign-in', '--no-browser'],
      { REDIRECT_URI: `http://127.0.0.1:${port}/oauth` },
      AUTHORIZED?.clientSecret
    )
    const url = new URL(await run.url)
    assert.equal(url.searchParams.get('scope'), 'spark:applications_token')
    const browser = new Browser()
    await browser.fetch((await consent(browser, url.toString(), 'admin')).location ?? '')
    await browser.close()
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
    assert.equal((JSON.parse(done.stdout) as { client_id: string }).client_id, AUTHORIZED?.clientId)
  })
})

describe('ids on their way to a URL', () => {
  test('ids with dots or colons never reach the network: --app-id .. is refused, Webex is not called', async () => {
    const port = await freePort()
    const emu = await startEmulator([`http://127.0.0.1:${port}/oauth`])
    const env = { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI: `http://127.0.0.1:${port}/oauth`, WEBEX_BASE_URL: emu.base }
    const token = (
      JSON.parse((await cliSignIn(['--scopes', 'spark:applications_token'], env)).stdout) as { access_token: string }
    ).access_token
    const hits = emu.emulator.hits.serviceApps
    for (const id of ['..', '.', 'a/../../token', 'x:y']) {
      const run = await runCliHere(
        ['service-app', 'token', '--app-id', id, '--client-id', 'C0x0client'],
        { ...env, WEBEX_ACCESS_TOKEN: token },
        'secret'
      ).done
      assert.equal(run.code, 2, `${id}: ${run.stderr}`)
      assert.match(run.stderr, /not a Webex id/)
    }
    assert.equal(emu.emulator.hits.serviceApps, hits, 'nothing was sent')
    await emu.app.close()
  })
})
