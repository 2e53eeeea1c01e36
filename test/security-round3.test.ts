// The third security review's findings (SECURITY.md, "Third review"), each with the test that
// failed before its fix: login CSRF by cookie tossing, the callback's rate limit, and terminal
// escapes in Webex's strings. Over real sockets against the emulator.
/* eslint-disable no-control-regex -- these tests look for control characters on purpose */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { jsonSafe, terminalSafe } from '../src/cli/terminal-safe.ts'
import { DEMO_USERS } from '../src/sandbox/users.ts'
import { appForSuite, Browser, CLIENT_ID, CLIENT_SECRET, cliSignIn, consent, freePort, refreshTarget, runCliHere, emulatorForCli, startEmulator, startFlow, tryListen } from './helpers.ts'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

describe('finding 1: a callback sent from another port of this machine (cookie tossing)', () => {
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

describe("finding 5: other programs' traffic cannot lock the person out of the callback", () => {
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

describe('finding 4: control characters from Webex never reach the terminal', () => {
  const hostile =
    'Evil\u001b]0;pwned\u0007\u001b[2J\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\\u001b]52;c;ZXZpbA==\u0007\u009b31m\u202eexe.txt'

  test('terminalSafe shows every C0, C1 and bidi control as a visible escape, and keeps plain text', () => {
    const shown = terminalSafe(hostile)
    assert.doesNotMatch(shown, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
    assert.match(shown, /^Evil\\x1b\]0;pwned\\x07\\x1b\[2J/)
    assert.match(shown, /\\x9b31m\\u202eexe\.txt$/)
    assert.equal(
      terminalSafe('Avery Admin <a@b.example>\n  line two\ttab'),
      'Avery Admin <a@b.example>\n  line two\ttab'
    )
    assert.equal(terminalSafe('one\nline', true), 'one\\x0aline')
    assert.deepEqual(JSON.parse(jsonSafe(JSON.stringify({ name: hostile }))), { name: hostile }, 'JSON keeps the data')
    assert.doesNotMatch(jsonSafe(JSON.stringify({ name: hostile })), /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/)
  })

  const fixture = emulatorForCli()

  const escapes = /[\u001b\u0007\u009b\u202e]/

  test('grants list (an application\'s name), whoami (a display name) and "Webex said" print no escape sequence', async () => {
    const admin = (
      JSON.parse((await cliSignIn(['--scopes', 'identity:tokens_read identity:tokens_write'], fixture.env)).stdout) as {
        access_token: string
      }
    ).access_token
    const person = DEMO_USERS[0]?.personId ?? ''
    fixture.emu.emulator.grants.add({
      clientId: 'C0evil0client',
      applicationName: hostile,
      personId: person,
      type: 'refresh'
    })
    for (const format of ['text', 'json']) {
      const list = await runCliHere(['grants', 'list', '--format', format], {
        ...fixture.env,
        WEBEX_ACCESS_TOKEN: admin
      }).done
      assert.equal(list.code, 0, list.stderr)
      assert.doesNotMatch(list.stdout, escapes, format)
      assert.match(list.stdout, /Evil/)
    }
    fixture.emu.emulator.faults.push('me', {
      kind: 'status',
      status: 200,
      body: JSON.stringify({ id: person, emails: ['a@b.example'], displayName: hostile, orgId: 'org' })
    })
    const me = await runCliHere(['whoami'], { ...fixture.env, WEBEX_ACCESS_TOKEN: admin }).done
    assert.equal(me.code, 0, me.stderr)
    assert.doesNotMatch(me.stdout, escapes)
    assert.match(me.stdout, /^Evil\\x1b\]0;pwned/)
    fixture.emu.emulator.faults.push('token', {
      kind: 'status',
      status: 400,
      body: JSON.stringify({ error: 'invalid_grant', error_description: hostile })
    })
    const refused = await runCliHere(['refresh'], { ...fixture.env, WEBEX_REFRESH_TOKEN: 'x'.repeat(40) }).done
    assert.equal(refused.code, 6)
    assert.match(refused.stderr, /Webex said: Evil\\x1b/)
    assert.doesNotMatch(refused.stderr, escapes)
  })
})

describe('finding 2: every loopback spelling, and a wildcard HOST, hold both stacks', () => {
  test('loopback and wildcard hosts are recognised however they are written', async () => {
    const { isLoopbackHost, isWildcardHost } = await import('../src/loopback.ts')
    for (const host of [
      'localhost',
      'LocalHost',
      'localhost.',
      '127.0.0.1',
      '127.0.0.2',
      '127.255.255.254',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '[0:0:0:0:0:0:0:1]',
      '::ffff:127.0.0.1'
    ]) { assert.equal(isLoopbackHost(host), true, host) }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', 'localhost.example', '::2', '']) {
      assert.equal(isLoopbackHost(host), false, host)
    }
    for (const host of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0']) assert.equal(isWildcardHost(host), true, host)
    for (const host of ['127.0.0.1', '::1', '10.0.0.0']) assert.equal(isWildcardHost(host), false, host)
  })

  /** Whether another program could take this address and port now. */
  async function free (port: number, address: string): Promise<boolean | 'no ipv6'> {
    const had = await tryListen(port, address)
    return typeof had === 'number' ? true : had === 'EADDRINUSE' ? false : 'no ipv6'
  }

  for (const host of ['0.0.0.0', '0:0:0:0:0:0:0:1', '127.0.0.2']) {
    test(`HOST=${host} leaves neither 127.0.0.1-side nor [::1]:PORT to another program`, async () => {
      const { buildApp } = await import('../src/app.ts')
      const { parseConfig } = await import('../src/config/index.ts')
      const { listenApp } = await import('../src/server.ts')
      const { LogCapture } = await import('./helpers.ts')
      const port = await freePort()
      const app = await buildApp(
        parseConfig({ PORT: String(port), HOST: host, SANDBOX: 'public', RATE_LIMIT_PER_MINUTE: '0' }),
        { logStream: new LogCapture() }
      )
      await listenApp(app, port, host)
      try {
        const v6 = await free(port, '::1')
        if (v6 !== 'no ipv6') assert.equal(v6, false, '[::1] is held')
        assert.equal(await free(port, host === '127.0.0.2' ? '127.0.0.2' : '127.0.0.1'), false, 'the IPv4 side is held')
      } finally {
        await app.close()
      }
    })
  }
})

describe('finding 3: the browser is handed a single-use local link, not the authorize URL', () => {
  /**
   * `token` with a display, and the link its "browser" is sent to: the launch file's meta refresh
   * (the fourth review's finding 3 keeps the link itself out of the browser's command line).
   */
  function tokenWithBrowser (env: Record<string, string>) {
    let handed!: (url: string) => void
    const opened = new Promise<string>((resolve) => {
      handed = resolve
    })
    const run = runCliHere(['token', '--scopes', 'spark-admin:people_read'], { ...env, DISPLAY: ':0' }, '', {
      openBrowser: async (url) => {
        handed(refreshTarget(readFileSync(fileURLToPath(url), 'utf8')) ?? '')
      }
    })
    return { run, opened }
  }

  test('the link carries no state, challenge or nonce, sends the browser on to Webex once, and the sign-in completes', async () => {
    const port = await freePort()
    const { run, opened } = tokenWithBrowser({ REDIRECT_URI: `http://127.0.0.1:${port}/oauth` })
    const launch = await opened
    assert.match(launch, new RegExp(`^http://127\\.0\\.0\\.1:${port}/go/[A-Za-z0-9_-]{32}$`))
    const browser = new Browser()
    const hop = await browser.fetch(launch)
    assert.equal(hop.status, 302)
    assert.equal(hop.location, await run.url, 'on to the authorize URL the command printed')
    const back = await consent(browser, hop.location ?? '', 'admin')
    await browser.fetch(back.location ?? '')
    await browser.close()
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
  })

  test('a link someone else used first stops the sign-in and says so', async () => {
    const port = await freePort()
    const { run, opened } = tokenWithBrowser({ REDIRECT_URI: `http://127.0.0.1:${port}/oauth` })
    const launch = await opened
    const thief = new Browser()
    const stolen = await thief.fetch(launch)
    assert.equal(stolen.status, 302)
    const admin = new Browser()
    const second = await admin.fetch(launch)
    assert.equal(second.status, 409)
    assert.match(second.body, /already used/)
    const done = await run.done
    assert.equal(done.code, 5, done.stderr)
    assert.match(done.stderr, /The sign-in link was opened a second time, so this sign-in was stopped/)
    await Promise.all([thief.close(), admin.close()])
  })
})

describe('finding 6: .env and .env.local are read only when nobody else can write them', () => {
  test("a file writable by others, by a foreign group or owned by another user is refused, naming the file; the user's own is read", async () => {
    const { mkdtempSync, writeFileSync, chmodSync, chownSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { loadConfig, untrustedFile } = await import('../src/config/index.ts')
    const dir = mkdtempSync(join(tmpdir(), 'wti-env-'))
    const file = join(dir, '.env.local')
    writeFileSync(
      file,
      'WEBEX_BASE_URL=http://127.0.0.1:9102/v1\nCLIENT_ID=Cplanted0client\nCLIENT_SECRET=planted-secret-value\n',
      { mode: 0o600 }
    )
    assert.equal(loadConfig({}, dir).clientId, 'Cplanted0client', "the user's own private file is read")
    chmodSync(file, 0o666)
    assert.throws(
      () => loadConfig({}, dir),
      /\.env\.local is writable by every user of this machine, so it was not read: run chmod o-w \.env\.local/
    )
    // The rule itself, for what only root can set up here.
    const me = { uid: 1000, gid: 1000 }
    assert.match(
      untrustedFile('.env', { mode: 0o100644, uid: 1001, gid: 1000 }, me) ?? '',
      /belongs to another user \(uid 1001\)/
    )
    assert.match(untrustedFile('.env', { mode: 0o100664, uid: 1000, gid: 50 }, me) ?? '', /writable by the group 50/)
    assert.equal(
      untrustedFile('.env', { mode: 0o100664, uid: 1000, gid: 1000 }, me),
      undefined,
      "the user's own group, as ssh allows"
    )
    assert.equal(
      untrustedFile('.env', { mode: 0o100644, uid: 0, gid: 0 }, me),
      undefined,
      "root's file, not writable by others"
    )
    assert.equal(
      untrustedFile('.env', { mode: 0o100666, uid: 1000, gid: 1000 }, undefined),
      undefined,
      'no modes to judge (Windows)'
    )
    if (process.getuid?.() === 0) {
      chmodSync(file, 0o600)
      chownSync(file, 4321, 4321)
      assert.throws(() => loadConfig({}, dir), /\.env\.local belongs to another user \(uid 4321\)/)
    }
  })

  test('plain http to another machine in WEBEX_BASE_URL is warned about, by the server and the CLI; loopback is not', async () => {
    const { parseConfig } = await import('../src/config/index.ts')
    assert.match(
      parseConfig({ CLIENT_ID, CLIENT_SECRET, WEBEX_BASE_URL: 'http://10.1.2.3/v1' }).warnings.join('\n'),
      /WEBEX_BASE_URL http:\/\/10\.1\.2\.3 is plain http to another machine/
    )
    assert.equal(parseConfig({ CLIENT_ID, CLIENT_SECRET, WEBEX_BASE_URL: 'http://127.0.0.1:9/v1' }).warnings.length, 0)
    // Stopped by its --out before anything is sent: nothing leaves this machine.
    const run = await runCliHere(
      ['token', '--no-browser', '--scopes', 'spark-admin:people_read', '--out', '/nonexistent-folder-wti/x.env'],
      {
        CLIENT_ID,
        CLIENT_SECRET,
        WEBEX_BASE_URL: 'http://10.1.2.3/v1',
        REDIRECT_URI: `http://127.0.0.1:${await freePort()}/oauth`
      }
    ).done
    assert.equal(run.code, 2)
    assert.match(run.stderr, /^warning: WEBEX_BASE_URL http:\/\/10\.1\.2\.3 is plain http/m)
  })
})

describe("finding 7: our secrets are scrubbed from every field of Webex's answer, in every encoding", () => {
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

describe('also found: links, repeated variables, the audit file, ids and id_token claims', () => {
  test('--out that is a symbolic link is refused before the sign-in; an env file with a token variable set twice gets both lines replaced', async () => {
    const { mkdtempSync, writeFileSync, symlinkSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { mergeEnvFile } = await import('../src/oauth/token-file.ts')
    const dir = mkdtempSync(join(tmpdir(), 'wti-link-'))
    writeFileSync(join(dir, 'target.env'), 'OLD=1\n', { mode: 0o600 })
    symlinkSync(join(dir, 'target.env'), join(dir, 'link.env'))
    const run = await runCliHere(
      ['token', '--no-browser', '--scopes', 'spark-admin:people_read', '--out', join(dir, 'link.env'), '--force'],
      { REDIRECT_URI: `http://127.0.0.1:${await freePort()}/oauth` }
    ).done
    assert.equal(run.code, 2)
    assert.match(run.stderr, /link\.env is a symbolic link: name the file itself/)
    const merged = mergeEnvFile(
      "WEBEX_ACCESS_TOKEN='old1'\nKEEP=1\nWEBEX_ACCESS_TOKEN='old2'\n",
      "WEBEX_ACCESS_TOKEN='new'\nWEBEX_SCOPES='a'\n"
    )
    assert.equal(merged, "WEBEX_ACCESS_TOKEN='new'\nKEEP=1\nWEBEX_ACCESS_TOKEN='new'\nWEBEX_SCOPES='a'\n")
    const { parse } = await import('dotenv')
    assert.equal(parse(merged).WEBEX_ACCESS_TOKEN, 'new', 'whichever line a reader takes')
  })

  test('AUDIT_LOG that is a symbolic link, or writable by others, stops start-up with exit 78 and the reason', async () => {
    const { mkdtempSync, writeFileSync, symlinkSync, chmodSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { AuditLog } = await import('../src/audit.ts')
    const dir = mkdtempSync(join(tmpdir(), 'wti-audit-'))
    writeFileSync(join(dir, 'real.jsonl'), '', { mode: 0o600 })
    symlinkSync(join(dir, 'real.jsonl'), join(dir, 'link.jsonl'))
    assert.throws(
      () => AuditLog.open(join(dir, 'link.jsonl')),
      /is a symbolic link, so it was not used: name the file itself/
    )
    writeFileSync(join(dir, 'open.jsonl'), '')
    chmodSync(join(dir, 'open.jsonl'), 0o666)
    assert.throws(
      () => AuditLog.open(join(dir, 'open.jsonl')),
      /writable by every user of this machine, so it was not used/
    )
    const run = await runCliHere(['audit'], { AUDIT_LOG: join(dir, 'link.jsonl') }).done
    assert.equal(run.code, 78)
    assert.ok(AuditLog.open(join(dir, 'real.jsonl')) instanceof AuditLog, 'a private file of the user is used')
  })

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
      /issue time is in the future/
    )
    await assert.rejects(
      verifyIdToken(webex, await sign({}, ['Cme', 'Cother']), expected),
      /several audiences and no authorized party/
    )
    await assert.rejects(
      verifyIdToken(webex, await sign({ azp: 'Cother' }, ['Cme', 'Cother']), expected),
      /authorized party \(azp\) is not this integration/
    )
    assert.equal((await verifyIdToken(webex, await sign({ azp: 'Cme' }, ['Cme', 'Cother']), expected)).subject, 'p')
  })
})
