// `token --device` (the device grant) against the emulator, in this process through runCli:
// the code and QR on stderr, the verification page approved, declined or left to expire, a
// slow_down honoured, OpenID scopes refused, a client without the helper redirect URIs, the
// timeout and Ctrl-C, and the sandbox. The polling interval is checked by the emulator, which
// counts every poll that came sooner than the interval allowed, by the clock it shares with
// the CLI (FastClock: Webex's seconds pass in hundredths, so no test waits them out).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  Browser,
  CLIENT_ID,
  CLIENT_SECRET,
  emulatorForCli,
  FastClock,
  freePort,
  runCliHere,
  startEmulator,
  type CliRun
} from './helpers.ts'

/** Webex's intervals pass a hundred times faster: the CLI and the emulator share this clock. */
const clock = new FastClock(100)
const runOnClock = (args: string[], env: Record<string, string>) => runCliHere(args, env, '', { clock })

/** Waits for the complete verification URL on stderr and decides on the emulator's page as a demo user. */
async function approve (
  run: CliRun,
  user: 'admin' | 'user',
  decision: 'accept' | 'decline' = 'accept'
): Promise<string> {
  const [, complete] = await run.stderrMatch(/^\s+(http\S+\/device\?userCode=\S+)$/m)
  const browser = new Browser()
  const page = await browser.fetch(complete ?? '')
  assert.equal(page.status, 200)
  const userCode = /name="user_code" value="([^"]+)"/.exec(page.body)?.[1]
  assert.ok(userCode !== undefined, page.body)
  const done = await browser.fetch(new URL('device/verify', complete).toString(), {
    form: { user_code: userCode, user, decision }
  })
  assert.equal(done.status, 200, done.body)
  await browser.close()
  return userCode
}

describe('webex-token-issuer token --device', () => {
  const fixture = emulatorForCli({ deviceIntervalS: 1, now: clock.now })

  test('approved on another device: the URL, the code and a QR code on stderr, the tokens on stdout, every poll at the interval', async () => {
    const early = fixture.emu.emulator.device.tooEarly
    const run = runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], fixture.env)
    const userCode = await approve(run, 'admin')
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
    const json = JSON.parse(done.stdout) as { access_token: string, person: { displayName: string } }
    assert.equal(json.access_token, fixture.emu.emulator.issued.at(-1)?.accessToken)
    assert.equal(json.person.displayName, 'Avery Admin')
    assert.match(done.stderr, /open this URL on any device with a browser:\n\s+http:\/\/127\.0\.0\.1:\d+\/v1\/device\n/)
    assert.ok(done.stderr.includes(`and enter the code ${userCode}`))
    assert.match(done.stderr, /[█▀▄]{20,}/, 'a QR code')
    assert.ok(!done.stderr.includes(json.access_token))
    assert.equal(fixture.emu.emulator.device.tooEarly, early, 'no poll came sooner than the interval')
  })

  test('slow_down: the next poll waits five seconds more', async () => {
    const early = fixture.emu.emulator.device.tooEarly
    fixture.emu.emulator.device.forced.push({ error: 'slow_down', shape: 'oauth' })
    const run = runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], fixture.env)
    await approve(run, 'admin')
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
    assert.equal(fixture.emu.emulator.device.forced.length, 0, 'the slow_down was answered')
    assert.equal(
      fixture.emu.emulator.device.tooEarly,
      early,
      'after slow_down the interval grew, and the client kept to it'
    )
  })

  test('declined exits 3; a user without the role exits 4', async () => {
    const declined = runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], fixture.env)
    await approve(declined, 'admin', 'decline')
    assert.equal((await declined.done).code, 3)
    const unentitled = runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], fixture.env)
    await approve(unentitled, 'user')
    assert.equal((await unentitled.done).code, 4)
  })

  test('OpenID scopes are refused before anything is sent (exit 2); --timeout exits 9; Ctrl-C exits 130', async () => {
    const hits = fixture.emu.emulator.device.tooEarly
    const openid = await runOnClock(
      ['token', '--device', '--scopes', 'openid email spark-admin:people_read'],
      fixture.env
    ).done
    assert.equal(openid.code, 2)
    assert.match(openid.stderr, /the device grant does not allow OpenID scopes \(openid email\)/)
    assert.equal(fixture.emu.emulator.device.tooEarly, hits)

    const timeout = await runOnClock(
      ['token', '--device', '--timeout', '1', '--scopes', 'spark-admin:people_read'],
      fixture.env
    ).done
    assert.equal(timeout.code, 9, timeout.stderr)

    const run = runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], fixture.env)
    await run.stderrMatch(/enter the code/)
    run.interrupt()
    assert.equal((await run.done).code, 130)
  })
})

describe('token --device: an expired code, and a client not registered for the device grant', () => {
  test('a code nobody approves expires: exit 16, explained', async () => {
    const port = await freePort()
    const emu = await startEmulator([`http://127.0.0.1:${port}/oauth`], {
      deviceIntervalS: 2,
      deviceTtlS: 1,
      now: clock.now
    })
    const run = await runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], {
      CLIENT_ID,
      CLIENT_SECRET,
      REDIRECT_URI: `http://127.0.0.1:${port}/oauth`,
      WEBEX_BASE_URL: emu.base
    }).done
    await emu.app.close()
    assert.equal(run.code, 16, run.stderr)
    assert.match(run.stderr, /The sign-in code expired/)
  })

  test('Webex refusing the client id (its documented {message, errors} answer) names CLIENT_ID and the redirect URIs the integration needs (exit 7)', async () => {
    const port = await freePort()
    const emu = await startEmulator([`http://127.0.0.1:${port}/oauth`], { now: clock.now })
    const run = await runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], {
      CLIENT_ID: 'C0unknown0client0id',
      CLIENT_SECRET,
      REDIRECT_URI: `http://127.0.0.1:${port}/oauth`,
      WEBEX_BASE_URL: emu.base
    }).done
    await emu.app.close()
    assert.equal(run.code, 7, run.stderr)
    assert.match(run.stderr, /Client Id is invalid/)
    assert.match(run.stderr, /https:\/\/oauth-helper-a\.wbx2\.com\/helperservice\/v1\/actions\/device\/callback/)
  })

  test("in sandbox mode the verification page is this run's own emulator", async () => {
    const port = await freePort()
    const run = runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], {
      REDIRECT_URI: `http://127.0.0.1:${port}/oauth`
    })
    await approve(run, 'admin')
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
    assert.match(done.stderr, new RegExp(`http://127\\.0\\.0\\.1:${port}/sandbox/v1/device\\?userCode=`))
  })
})

// Every answer Webex lists for the poll, as {error} and as {message, errors[]}: what the CLI does with each.
describe('token --device: each answer Webex documents for the poll, in both of its shapes', () => {
  const fixture = emulatorForCli({ deviceIntervalS: 1, now: clock.now })

  const ends: Array<[string, number, RegExp]> = [
    ['access_denied', 3, /Access was declined/],
    ['invalid_grant', 6, /no longer accepts this sign-in code/],
    ['invalid_client', 7, /this integration's credentials/],
    ['invalid_request', 12, /Webex refused the request/],
    ['unsupported_grant_type', 12, /Webex refused the request/],
    [
      'tokenlimit_reached',
      18,
      /Revoke this integration's old grants: on the Grants page[\s\S]*grants revoke --client-id/
    ]
  ]
  for (const shape of ['oauth', 'message'] as const) {
    for (const [error, code, words] of ends) {
      test(`${error} as ${shape === 'oauth' ? '{error}' : '{message, errors[]}'}: exit ${code}, explained`, async () => {
        fixture.emu.emulator.device.forced.push({ error, shape })
        const run = await runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], fixture.env).done
        assert.equal(fixture.emu.emulator.device.forced.length, 0)
        assert.equal(run.code, code, run.stderr)
        assert.match(run.stderr, words)
        assert.equal(run.stdout, '')
      })
    }

    test(`authorization_pending and slow_down as ${shape === 'oauth' ? '{error}' : '{message, errors[]}'} keep polling, slower after slow_down`, async () => {
      const early = fixture.emu.emulator.device.tooEarly
      fixture.emu.emulator.device.forced.push({ error: 'authorization_pending', shape }, { error: 'slow_down', shape })
      const run = runOnClock(['token', '--device', '--scopes', 'spark-admin:people_read'], fixture.env)
      await approve(run, 'admin')
      const done = await run.done
      assert.equal(done.code, 0, done.stderr)
      assert.equal(fixture.emu.emulator.device.forced.length, 0)
      assert.equal(fixture.emu.emulator.device.tooEarly, early)
    })
  }
})

describe("the emulator's device authorization, as Webex documents it", () => {
  test("a six-digit user code, a 2 s interval by default, the complete URI carrying the code's hash; an unknown client gets {message, errors, trackingId}", async () => {
    const emu = await startEmulator(['http://127.0.0.1:1/oauth'])
    const { request } = await import('undici')
    const post = (body: string) =>
      request(`${emu.base}/device/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body
      })
    const res = await post(`client_id=${CLIENT_ID}&scope=spark-admin%3Apeople_read`)
    const answer = (await res.body.json()) as {
      user_code: string
      interval: number
      verification_uri: string
      verification_uri_complete: string
    }
    assert.match(answer.user_code, /^\d{6}$/)
    assert.equal(answer.interval, 2)
    const { createHash } = await import('node:crypto')
    assert.equal(
      answer.verification_uri_complete,
      `${answer.verification_uri}?userCode=${createHash('sha256').update(answer.user_code).digest('hex')}`
    )
    const browser = new Browser()
    const page = await browser.fetch(answer.verification_uri_complete)
    assert.match(
      page.body,
      new RegExp(`name="user_code" value="${answer.user_code}"`),
      'the hashed link opens the request'
    )
    await browser.close()
    const unknown = await post('client_id=C0nope0000&scope=spark-admin%3Apeople_read')
    assert.equal(unknown.statusCode, 400)
    const body = (await unknown.body.json()) as {
      message: string
      errors: Array<{ description: string }>
      trackingId: string
    }
    assert.deepEqual(body.errors, [{ description: 'Client Id is invalid' }])
    assert.match(body.message, /malformed syntax/)
    assert.match(body.trackingId, /^ROUTER_/)
    await emu.app.close()
  })
})
