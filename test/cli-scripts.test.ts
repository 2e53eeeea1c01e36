// The CLI as scripts use it: just the token on stdout, presets, a searchable catalogue, and one
// clear line per error. In this process against the emulator.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliSignIn, emulatorForCli, runCliHere } from './helpers.ts'

describe('scripts', () => {
  const fixture = emulatorForCli()

  test('--format token prints the access token and a newline, nothing else, for token and refresh', async () => {
    const signed = await cliSignIn(['--scopes', 'spark-admin:people_read', '--format', 'token'], fixture.env)
    assert.equal(signed.code, 0, signed.stderr)
    assert.equal(signed.stdout, `${fixture.emu.emulator.issued.at(-1)?.accessToken ?? 'x'}\n`)
    const env = await cliSignIn(['--scopes', 'spark-admin:people_read', '--format', 'env'], fixture.env)
    const dir = mkdtempSync(join(tmpdir(), 'wti-fmt-'))
    writeFileSync(join(dir, 'in.env'), env.stdout, { mode: 0o600 })
    const refreshed = await runCliHere(['refresh', '--in', join(dir, 'in.env'), '--format', 'token'], fixture.env).done
    assert.equal(refreshed.code, 0, refreshed.stderr)
    assert.match(refreshed.stdout, /^[A-Za-z0-9_-]+_PF84_[0-9a-f-]+\n$/)
    assert.equal(refreshed.stdout, `${fixture.emu.emulator.issued.at(-1)?.accessToken ?? 'x'}\n`)
  })

  test("--preset requests exactly a preset's scopes, --scopes adds to it; an unknown preset names the others", async () => {
    const preset = await cliSignIn(['--preset', 'org-directory', '--format', 'json'], fixture.env)
    assert.equal(preset.code, 0, preset.stderr)
    assert.deepEqual((JSON.parse(preset.stdout) as { scopes: string[] }).scopes, [
      'spark-admin:people_read',
      'spark-admin:licenses_read',
      'spark-admin:roles_read',
      'spark-admin:organizations_read'
    ])
    const more = await cliSignIn(
      ['--preset', 'org-directory', '--scopes', 'spark-admin:devices_read', '--format', 'json'],
      fixture.env
    )
    assert.equal((JSON.parse(more.stdout) as { scopes: string[] }).scopes.at(-1), 'spark-admin:devices_read')
    const unknown = await runCliHere(['token', '--no-browser', '--preset', 'nope'], fixture.env).done
    assert.equal(unknown.code, 2)
    assert.match(
      unknown.stderr,
      /^error: there is no preset "nope": `webex-token-issuer scopes --presets` lists them \(org-directory, /
    )
  })

  test('scopes takes a search and lists the presets', async () => {
    const found = await runCliHere(['scopes', 'devices write'], {}).done
    assert.equal(found.code, 0)
    const lines = found.stdout.trim().split('\n')
    assert.ok(
      lines.some((line) => line.startsWith('spark-admin:devices_write ')),
      found.stdout
    )
    assert.ok(
      lines.every((line) => /devices/i.test(line) && /write/i.test(line)),
      'every word of the search is in each line found'
    )
    assert.ok(lines.length < 10)
    const presets = await runCliHere(['scopes', '--presets', 'compliance'], {}).done
    assert.match(presets.stdout, /^compliance-read {2}/m)
    assert.doesNotMatch(presets.stdout, /^org-directory/m)
    const json = await runCliHere(['scopes', '--presets', '--format', 'json'], {}).done
    assert.ok((JSON.parse(json.stdout) as unknown[]).length >= 10)
    const old = await runCliHere(['scopes', '--json', 'kms'], {}).done
    assert.deepEqual(
      (JSON.parse(old.stdout) as Array<{ id: string }>).map((s) => s.id),
      ['spark:kms'],
      '--json stays a quiet alias'
    )
  })

  test('one clear line per error: "error:" once, and "config error:" for SCOPES', async () => {
    const typo = await runCliHere(['token', '--no-browser', '--scopes', 'spark-admin:people_reed'], fixture.env).done
    assert.equal(typo.code, 2)
    assert.match(typo.stderr, /^error: --scopes: spark-admin:people_reed is not in the catalogue/)
    assert.doesNotMatch(typo.stderr, /error: error:/)
    const setting = await runCliHere(['token', '--no-browser'], { ...fixture.env, SCOPES: 'spark-admin:people_reed' })
      .done
    assert.equal(setting.code, 78)
    assert.match(setting.stderr, /^config error: SCOPES: spark-admin:people_reed/m)
    assert.doesNotMatch(setting.stderr, /error: config error/)
  })
})

describe('one spelling per idea', () => {
  const fixture = emulatorForCli()

  test('--format json for whoami, scopes and audit, --json kept quietly; --in for the admin token, --token-file kept quietly', async () => {
    const token = (
      JSON.parse((await cliSignIn(['--scopes', 'identity:tokens_read identity:tokens_write'], fixture.env)).stdout) as {
        access_token: string
      }
    ).access_token
    const dir = mkdtempSync(join(tmpdir(), 'wti-spell-'))
    writeFileSync(join(dir, 'admin.txt'), `${token}\n`, { mode: 0o600 })
    for (const flag of [['--format', 'json'], ['--json']]) {
      const me = await runCliHere(['whoami', ...flag], { ...fixture.env, WEBEX_ACCESS_TOKEN: token }).done
      assert.equal((JSON.parse(me.stdout) as { displayName: string }).displayName, 'Avery Admin', flag.join(' '))
    }
    for (const flag of ['--in', '--token-file']) {
      const list = await runCliHere(['grants', 'list', flag, join(dir, 'admin.txt'), '--format', 'json'], fixture.env)
        .done
      assert.equal(list.code, 0, `${flag}: ${list.stderr}`)
    }
    const help = await runCliHere(['grants', 'list', '--help'], {}).done
    assert.match(help.stdout, /--in <file>/)
    assert.doesNotMatch(help.stdout, /--token-file/, 'the old spelling works but is not advertised')
    const audit = join(dir, 'audit.jsonl')
    await cliSignIn(['--scopes', 'spark-admin:people_read'], { ...fixture.env, AUDIT_LOG: audit })
    for (const flag of [['--format', 'json'], ['--json']]) {
      const read = await runCliHere(['audit', '--file', audit, ...flag], {}).done
      assert.equal(
        (JSON.parse(read.stdout.split('\n')[0] ?? '') as { event: string }).event,
        'token_issued',
        flag.join(' ')
      )
    }
  })
})

test("help teaches: examples on each command, the whole exit-code table at the root, and only a command's own codes on it", async () => {
  const root = await runCliHere(['--help'], {}).done
  for (const code of [
    '0',
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
    '7',
    '8',
    '9',
    '10',
    '11',
    '12',
    '13',
    '14',
    '15',
    '16',
    '17',
    '18',
    '78',
    '130',
    '141'
  ]) { assert.match(root.stdout, new RegExp(`^ {2}${code} +\\S`, 'm'), code) }
  for (const command of [
    ['token'],
    ['refresh'],
    ['whoami'],
    ['grants', 'list'],
    ['grants', 'revoke'],
    ['service-app', 'token'],
    ['scopes'],
    ['audit']
  ]) {
    const help = await runCliHere([...command, '--help'], {}).done
    assert.match(help.stdout, /\nExamples:\n {2}(TOKEN=\$\()?webex-token-issuer /, command.join(' '))
    assert.match(help.stdout, /\nExit codes:\n/, command.join(' '))
  }
  const audit = await runCliHere(['audit', '--help'], {}).done
  assert.doesNotMatch(audit.stdout, /^ {2}(3|4|13|17|18) /m, 'audit signs nobody in')
  const whoami = await runCliHere(['whoami', '--help'], {}).done
  assert.match(whoami.stdout, /^ {2}10 +token_invalid/m)
  assert.doesNotMatch(whoami.stdout, /^ {2}16 /m)
  const token = await runCliHere(['token', '--help'], {}).done
  assert.match(token.stdout, /^ {2}16 +device_code_expired/m)
  assert.doesNotMatch(token.stdout, /^ {2}(14|15|17) /m)
})

test("a crontab line can be rehearsed in the sandbox: refresh, whoami and grants use a running npm start's sandbox, with tokens from its page", async () => {
  const { buildApp } = await import('../src/app.ts')
  const { parseConfig } = await import('../src/config/index.ts')
  const { Browser, field, freePort, LogCapture, runFlow } = await import('./helpers.ts')
  const { readFileSync } = await import('node:fs')
  const { newSandboxKey, publishSandboxKey } = await import('../src/sandbox-proof.ts')
  const port = await freePort()
  // The runtime folder npm start writes its key to, and the CLI reads it from.
  const env = { REDIRECT_URI: `http://127.0.0.1:${port}/oauth`, XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'wti-run-')) }
  const sandboxKey = newSandboxKey()
  const app = await buildApp(parseConfig({ PORT: String(port), ...env, RATE_LIMIT_PER_MINUTE: '0' }), {
    logStream: new LogCapture(),
    sandboxKey
  })
  await app.listen({ port, host: '127.0.0.1' })
  const unpublish = await publishSandboxKey(env, port, sandboxKey)
  const dir = mkdtempSync(join(tmpdir(), 'wti-rehearse-'))
  const file = join(dir, 'webex.env')
  try {
    const browser = new Browser()
    const { final } = await runFlow(
      browser,
      `http://127.0.0.1:${port}`,
      ['spark-admin:people_read', 'identity:tokens_read', 'identity:tokens_write'],
      'admin'
    )
    await browser.close()
    const access = field(final.body, 'access-token') ?? ''
    writeFileSync(
      file,
      `WEBEX_ACCESS_TOKEN='${access}'\nWEBEX_ACCESS_TOKEN_EXPIRES_AT='${new Date(Date.now() + 14 * 86_400_000).toISOString()}'\nWEBEX_REFRESH_TOKEN='${field(final.body, 'refresh-token') ?? ''}'\nWEBEX_BASE_URL='http://127.0.0.1:${port}/sandbox/v1'\n`,
      { mode: 0o600 }
    )
    // The README's crontab line, due within 30 days.
    const refreshed = await runCliHere(
      ['refresh', '--in', file, '--out', file, '--force', '--if-expiring-within', '30d'],
      env
    ).done
    assert.equal(refreshed.code, 0, refreshed.stderr)
    assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(access), 'a new access token was written')
    const me = await runCliHere(['whoami', '--in', file], env).done
    assert.equal(me.code, 0, me.stderr)
    assert.match(me.stdout, /^Avery Admin </)
    const grants = await runCliHere(['grants', 'list', '--in', file], env).done
    assert.equal(grants.code, 0, grants.stderr)
    assert.match(grants.stdout, /webex-token-issuer \(this tool\)/)
  } finally {
    await app.close()
    await unpublish?.()
  }
  const gone = await runCliHere(['whoami', '--in', file], env).done
  assert.equal(gone.code, 11, 'with the sandbox gone, its tokens mean nothing')
  assert.match(gone.stderr, /keep `npm start` running in sandbox mode/)
})

describe('tokens as pasted from curl or Postman', () => {
  const fixture = emulatorForCli()

  test('"Bearer <token>" and the whole Authorization line are the token, for the CLI\'s inputs and the Check page; a bad field says what it is, not "no scope was chosen"', async () => {
    const { startApp, runFlow, field, Browser } = await import('./helpers.ts')
    const token = (
      JSON.parse((await cliSignIn(['--scopes', 'spark-admin:people_read'], fixture.env)).stdout) as {
        access_token: string
      }
    ).access_token
    for (const pasted of [`Bearer ${token}`, `Authorization: Bearer ${token}\n`]) {
      const me = await runCliHere(['whoami'], fixture.env, pasted).done
      assert.equal(me.code, 0, me.stderr)
      assert.match(me.stdout, /^Avery Admin/)
    }
    const app = await startApp()
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    const access = field(final.body, 'access-token') ?? ''
    const checked = await browser.fetch(`${app.url}/check`, { form: { access_token: `Bearer ${access}` } })
    assert.equal(checked.status, 200)
    assert.match(checked.body, /This token is valid/)
    assert.match(checked.body, /id="no-scopes">Webex does not say which scopes a token carries/)
    const bad = await browser.fetch(`${app.url}/check`, { form: { access_token: 'not a token at all' } })
    assert.equal(bad.status, 400)
    assert.match(bad.body, /The access token field is not a token/)
    assert.doesNotMatch(bad.body, /No scope was chosen/)
    await browser.close()
    await app.close()
  })
})

describe('the tokens page as an admin meets it', () => {
  test('a ready curl line with the token, masked and copied like it; a read-only admin granted write scopes is told writes will fail', async () => {
    const { startApp, runFlow, field, Browser } = await import('./helpers.ts')
    const app = await startApp()
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'], 'admin')
    const access = field(final.body, 'access-token') ?? ''
    assert.equal(
      field(final.body, 'curl-line')?.replace(/&quot;/g, '"'),
      `curl -H "Authorization: Bearer ${access}" ${app.emulator.base}/people/me`
    )
    assert.match(final.body, /data-reveal="curl-line"/, 'masked until revealed, as the token is')
    assert.doesNotMatch(final.body, /id="read-only-writes"/)
    const readOnly = await runFlow(
      browser,
      app.url,
      ['spark-admin:people_read', 'spark-admin:people_write'],
      'readonly'
    )
    assert.equal(readOnly.final.status, 200)
    assert.match(readOnly.final.body, /No: a read-only administrator/)
    assert.match(
      readOnly.final.body,
      /id="read-only-writes">This is a read-only administrator: Webex granted the write scopes \(spark-admin:people_write\), but refuses every change/
    )
    await browser.close()
    await app.close()
  })
})
