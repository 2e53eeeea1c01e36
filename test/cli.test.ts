// The CLI against the emulator, run in this process through runCli; the browser step is
// followed over HTTP from the URL the CLI prints on stderr. Ctrl-C is tested on a real process
// (build.test.ts runs the installed bin, its exit codes and a closed pipe).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import {
  Browser,
  CLIENT_ID,
  CLIENT_SECRET,
  consent,
  freePort,
  hasIpv6Loopback,
  runCliHere,
  spawnTs,
  startEmulator,
  type RunningEmulator
} from './helpers.ts'

const IPV6 = await hasIpv6Loopback()

const cli = runCliHere

describe('webex-token-issuer token', () => {
  let emu: RunningEmulator
  let env: Record<string, string>
  let port: number
  before(async () => {
    port = await freePort()
    emu = await startEmulator([`http://127.0.0.1:${port}/oauth`])
    env = { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI: `http://127.0.0.1:${port}/oauth`, WEBEX_BASE_URL: emu.base }
  })
  after(async () => {
    await emu.app.close()
  })

  async function signIn (
    args: string[],
    user: 'admin' | 'compliance' | 'user' = 'admin',
    decision: 'accept' | 'decline' = 'accept',
    extraEnv: Record<string, string> = {}
  ) {
    const run = cli(['token', '--no-browser', ...args], { ...env, ...extraEnv })
    const browser = new Browser()
    const back = await consent(browser, await run.url, user, decision)
    const page = await browser.fetch(back.location ?? '')
    await browser.close()
    return { run: await run.done, page }
  }

  test("json output carries Webex's fields, expiries, scopes and the person; the browser is told to close the tab", async () => {
    const { run, page } = await signIn(['--scopes', 'spark-admin:people_read,spark-admin:licenses_read'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(page.body, /You can close this tab/)
    const json = JSON.parse(run.stdout) as Record<string, unknown>
    const issued = emu.emulator.issued.at(-1)
    assert.equal(json.access_token, issued?.accessToken)
    assert.equal(json.refresh_token, issued?.refreshToken)
    assert.equal(json.token_type, 'Bearer')
    assert.ok(typeof json.expires_in === 'number' && json.expires_in > 1_200_000)
    assert.ok(!Number.isNaN(Date.parse(String(json.expires_at))))
    assert.ok(!Number.isNaN(Date.parse(String(json.refresh_token_expires_at))))
    assert.deepEqual(json.scopes, ['spark-admin:people_read', 'spark-admin:licenses_read'])
    assert.equal((json.person as { displayName: string }).displayName, 'Avery Admin')
    assert.ok(!run.stderr.includes(String(json.access_token)), 'tokens go to stdout only')
    assert.match(run.stderr, /Open this URL in a browser/)
  })

  test('env output reads back exactly through dotenv, and text output names the tokens', async () => {
    const env1 = await signIn(['--scopes', 'spark-admin:people_read', '--format', 'env'])
    assert.equal(env1.run.code, 0, env1.run.stderr)
    const parsed = parseDotenv(env1.run.stdout)
    const issued = emu.emulator.issued.at(-1)
    assert.equal(parsed.WEBEX_ACCESS_TOKEN, issued?.accessToken)
    assert.equal(parsed.WEBEX_REFRESH_TOKEN, issued?.refreshToken)
    assert.ok(!Number.isNaN(Date.parse(parsed.WEBEX_ACCESS_TOKEN_EXPIRES_AT ?? '')))
    assert.equal(parsed.WEBEX_SCOPES, 'spark-admin:people_read')
    // The same file, read by a POSIX shell.
    const shell = spawn('sh', ['-c', 'eval "$(cat)"; printf %s "$WEBEX_ACCESS_TOKEN"'], {
      stdio: ['pipe', 'pipe', 'inherit']
    })
    shell.stdin.end(env1.run.stdout)
    let echoed = ''
    shell.stdout.on('data', (d: Buffer) => {
      echoed += d.toString()
    })
    await new Promise((resolve) => shell.on('exit', resolve))
    assert.equal(echoed, issued?.accessToken)

    const text = await signIn(['--scopes', 'spark-admin:people_read', '--format', 'text'])
    assert.equal(text.run.code, 0)
    assert.match(text.run.stdout, new RegExp(`Access token: +${emu.emulator.issued.at(-1)?.accessToken ?? 'x'}`))
    assert.match(text.run.stdout, /Person: +Avery Admin <avery\.admin@sandbox\.example\.com>/)
  })

  test('scopes default to SCOPES', async () => {
    const { run } = await signIn([], 'admin', 'accept', { SCOPES: 'spark-admin:devices_read' })
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual((JSON.parse(run.stdout) as { scopes: string[] }).scopes, ['spark-admin:devices_read'])
  })

  test('decline exits 3, invalid_scope exits 4, with the explanation on stderr', async () => {
    const declined = await signIn(['--scopes', 'spark-admin:people_read'], 'admin', 'decline')
    assert.equal(declined.run.code, 3)
    assert.equal(declined.run.stdout, '')
    assert.match(declined.run.stderr, /Access was declined/)
    const refused = await signIn(['--scopes', 'spark-admin:people_read'], 'user')
    assert.equal(refused.run.code, 4)
    assert.match(
      refused.run.stderr,
      /Webex refused the requested scopes[\s\S]*No user entitled service[\s\S]*Requested scopes: spark-admin:people_read/
    )
    assert.doesNotMatch(refused.run.stderr, /--scopes "/, 'one group: nothing to split')
    const mixed = await signIn(['--scopes', 'spark-admin:people_read spark-compliance:messages_read'], 'compliance')
    assert.equal(mixed.run.code, 4)
    assert.match(mixed.run.stderr, /These scopes need 2 different roles[^\n]*Sign in with each group alone/)
    assert.match(
      mixed.run.stderr,
      /^(error: )?- Compliance Officer: spark-compliance:messages_read\n(error: )? {4}--scopes "spark-compliance:messages_read"$/m
    )
    assert.match(
      mixed.run.stderr,
      /^(error: )?- An admin \(full or read-only\): spark-admin:people_read\n(error: )? {4}--scopes "spark-admin:people_read"$/m
    )
    assert.doesNotMatch(mixed.run.stderr, /likely/i)
  })

  test('no answer from the browser exits 9 within the timeout', async () => {
    const run = await cli(['token', '--no-browser', '--scopes', 'spark-admin:people_read', '--timeout', '2'], env).done
    assert.equal(run.code, 9)
    assert.match(run.stderr, /Timed out waiting for the browser/)
  })

  test('no scopes, an unknown scope, or a bad flag exit 2', async () => {
    const none = await cli(['token', '--no-browser'], env).done
    assert.equal(none.code, 2)
    assert.match(none.stderr, /no scopes/)
    const unknown = await cli(['token', '--no-browser', '--scopes', 'NOT A SCOPE'], env).done
    assert.equal(unknown.code, 2)
    const flag = await cli(['token', '--format', 'yaml'], env).done
    assert.equal(flag.code, 2)
    assert.match(flag.stderr, /choose one of json, env, text/)
  })

  test('a port already in use gives a clear message naming the port and the redirect URI', async () => {
    const { createServer } = await import('node:net')
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    const run = await cli(['token', '--no-browser', '--scopes', 'spark-admin:people_read'], env).done
    blocker.close()
    assert.equal(run.code, 1)
    assert.match(
      run.stderr,
      new RegExp(
        `127\\.0\\.0\\.1:${port} is already taken by another program, and REDIRECT_URI http://127\\.0\\.0\\.1:${port}/oauth needs port ${port}`
      )
    )
    if (!IPV6) return
    // Review finding 1: the ::1 half of the port, where a browser may send the code, is ours too.
    const v6 = createServer()
    await new Promise<void>((resolve) => v6.listen(port, '::1', resolve))
    const taken = await cli(['token', '--no-browser', '--scopes', 'spark-admin:people_read'], env).done
    v6.close()
    assert.equal(taken.code, 1)
    assert.match(taken.stderr, new RegExp(`\\[::1\\]:${port} is already taken by another program \\(IPv6 loopback`))
  })

  test('Ctrl-C stops the real process cleanly, with exit 130', async () => {
    const run = spawnTs('../src/cli/bin.ts', ['token', '--no-browser', '--scopes', 'spark-admin:people_read'], env)
    await run.waitFor(/\/authorize\?/)
    run.kill('SIGINT')
    const result = await run.done
    assert.equal(result.code, 130)
    assert.match(result.stderr, /cancelled/)
  })

  test('--out writes mode 0600 atomically, and refuses to overwrite without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wti-out-'))
    const file = join(dir, 'tokens.json')
    const first = await signIn(['--scopes', 'spark-admin:people_read', '--out', file])
    assert.equal(first.run.code, 0, first.run.stderr)
    assert.equal(first.run.stdout, '')
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const written = JSON.parse(readFileSync(file, 'utf8')) as { access_token: string }
    assert.equal(written.access_token, emu.emulator.issued.at(-1)?.accessToken)

    // Refused before the sign-in, not after it (test/cli-no-lost-sign-in.test.ts has the rest).
    const refused = await cli(['token', '--no-browser', '--scopes', 'spark-admin:people_read', '--out', file], env).done
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /already exists: pass --force/)
    assert.doesNotMatch(refused.stderr, /\/authorize\?/)
    assert.equal(
      (JSON.parse(readFileSync(file, 'utf8')) as { access_token: string }).access_token,
      written.access_token
    )

    const forced = await signIn(['--scopes', 'spark-admin:people_read', '--out', file, '--force'])
    assert.equal(forced.run.code, 0)
    assert.notEqual(
      (JSON.parse(readFileSync(file, 'utf8')) as { access_token: string }).access_token,
      written.access_token
    )
    assert.equal(statSync(file).mode & 0o777, 0o600)
  })

  describe('refresh and whoami', () => {
    let tokens: { access_token: string, refresh_token: string }
    let file: string
    before(async () => {
      file = join(mkdtempSync(join(tmpdir(), 'wti-in-')), 'tokens.json')
      const { run } = await signIn(['--scopes', 'spark-admin:people_read', '--out', file])
      tokens = JSON.parse(readFileSync(file, 'utf8')) as typeof tokens
      assert.equal(run.code, 0)
    })

    test('refresh from a flag, from stdin and from a file', async () => {
      const fromFlag = await cli(['refresh', '--refresh-token', tokens.refresh_token], env).done
      assert.equal(fromFlag.code, 0, fromFlag.stderr)
      assert.equal(
        (JSON.parse(fromFlag.stdout) as { access_token: string }).access_token,
        emu.emulator.issued.at(-1)?.accessToken
      )
      const fromStdin = await cli(['refresh', '--format', 'env'], env, `${tokens.refresh_token}\n`).done
      assert.equal(fromStdin.code, 0, fromStdin.stderr)
      assert.equal(parseDotenv(fromStdin.stdout).WEBEX_ACCESS_TOKEN, emu.emulator.issued.at(-1)?.accessToken)
      const fromFile = await cli(['refresh', '--in', file], env).done
      assert.equal(fromFile.code, 0, fromFile.stderr)
      const envFile = join(mkdtempSync(join(tmpdir(), 'wti-env-')), 'tokens.env')
      writeFileSync(envFile, fromStdin.stdout)
      const fromEnvFile = await cli(['refresh', '--in', envFile], env).done
      assert.equal(fromEnvFile.code, 0, fromEnvFile.stderr)
    })

    test('refresh keeps the old refresh token when Webex leaves it out', async () => {
      emu.emulator.omitRefreshToken = true
      const run = await cli(['refresh', '--in', file], env).done
      emu.emulator.omitRefreshToken = false
      assert.equal(run.code, 0, run.stderr)
      const json = JSON.parse(run.stdout) as { refresh_token: string, refresh_token_expires_at: string }
      assert.equal(json.refresh_token, tokens.refresh_token)
      assert.ok(json.refresh_token_expires_at !== undefined)
      assert.match(run.stderr, /the one you had stays valid/)
    })

    test('refresh with a bad token exits 6, with nothing on stdin exits 2', async () => {
      const bad = await cli(['refresh', '--refresh-token', 'NotARealRefreshToken'], env).done
      assert.equal(bad.code, 6)
      const empty = await cli(['refresh'], env, '').done
      assert.equal(empty.code, 2)
    })

    test('whoami with a good token, and a bad one', async () => {
      const good = await cli(['whoami', '--json'], env, tokens.access_token).done
      assert.equal(good.code, 0, good.stderr)
      assert.equal((JSON.parse(good.stdout) as { displayName: string }).displayName, 'Avery Admin')
      const flag = await cli(['whoami', '--token', tokens.access_token], env).done
      assert.match(flag.stdout, /^Avery Admin <avery\.admin@sandbox\.example\.com>/)
      assert.match(
        flag.stderr,
        /warning: --token puts the token in the process list, where every user of this machine can read it; pass it on stdin, with --in FILE, or in WEBEX_ACCESS_TOKEN instead/
      )
      const fromEnv = await cli(['whoami'], { ...env, WEBEX_ACCESS_TOKEN: tokens.access_token }).done
      assert.equal(fromEnv.code, 0, fromEnv.stderr)
      assert.match(fromEnv.stdout, /^Avery Admin/)
      assert.doesNotMatch(fromEnv.stderr, /warning/)
      const fromFile = await cli(['whoami', '--in', file], env).done
      assert.equal(fromFile.code, 0, fromFile.stderr)
      const refreshFlag = await cli(['refresh', '--refresh-token', 'NotARealRefreshToken'], env).done
      assert.match(refreshFlag.stderr, /warning: --refresh-token puts the token in the process list/)
      const refreshEnv = await cli(['refresh', '--format', 'text'], {
        ...env,
        WEBEX_REFRESH_TOKEN: tokens.refresh_token
      }).done
      assert.equal(refreshEnv.code, 0, refreshEnv.stderr)
      assert.match(refreshEnv.stdout, /^Access token: /)
      const bad = await cli(['whoami', '--token', 'ZmFrZQ_PF84_5b1f2e3a-8c4d-4f6e-9a7b-0c1d2e3f4a5b'], env).done
      assert.equal(bad.code, 10)
      assert.match(bad.stderr, /does not accept this access token/)
    })

    test('no token or secret reaches stderr', async () => {
      const runs = await Promise.all([
        cli(['refresh', '--in', file], env).done,
        cli(['whoami', '--token', tokens.access_token], env).done,
        cli(['refresh', '--refresh-token', 'NotARealRefreshToken'], env).done
      ])
      for (const run of runs) {
        for (const secret of [tokens.access_token, tokens.refresh_token, CLIENT_SECRET, 'NotARealRefreshToken']) {
          assert.ok(!run.stderr.includes(secret))
        }
      }
    })
  })
})

describe('webex-token-issuer in sandbox mode', () => {
  test('token goes through the embedded sandbox consent page, whatever PORT says', async () => {
    const port = await freePort()
    const run = cli(['token', '--no-browser', '--scopes', 'spark-compliance:rooms_read'], {
      PORT: String(await freePort()),
      REDIRECT_URI: `http://127.0.0.1:${port}/oauth`
    })
    const url = await run.url
    assert.ok(url.startsWith(`http://127.0.0.1:${port}/sandbox/v1/authorize?`))
    const browser = new Browser()
    const back = await consent(browser, url, 'compliance')
    await browser.fetch(back.location ?? '')
    await browser.close()
    const result = await run.done
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /SANDBOX mode/)
    assert.match((JSON.parse(result.stdout) as { access_token: string }).access_token, /_PF84_/)
  })

  test(
    'the callback listener answers on [::1] too, so a browser that reaches localhost there finishes the sign-in',
    { skip: IPV6 ? false : 'this machine has no IPv6 loopback' },
    async () => {
      const port = await freePort()
      const run = cli(['token', '--no-browser', '--scopes', 'spark:kms'], {
        REDIRECT_URI: `http://localhost:${port}/oauth`
      })
      const viaIpv6 = (url: string) => url.replace(`//localhost:${port}/`, `//[::1]:${port}/`)
      const url = viaIpv6(await run.url)
      assert.ok(url.startsWith(`http://[::1]:${port}/sandbox/v1/authorize?`))
      const browser = new Browser()
      const back = await consent(browser, url, 'admin')
      assert.ok(back.location?.startsWith(`http://localhost:${port}/oauth?`))
      const page = await browser.fetch(viaIpv6(back.location ?? ''))
      assert.equal(page.status, 200)
      await browser.close()
      const result = await run.done
      assert.equal(result.code, 0, result.stderr)
    }
  )

  test('whoami and refresh explain that sandbox tokens live only where they were issued, with exit 11, when no sandbox runs', async () => {
    const port = await freePort()
    const nobody = { REDIRECT_URI: `http://127.0.0.1:${port}/oauth` }
    // What the sandbox's download holds: the tokens, and the sandbox that issued them.
    const download = `WEBEX_ACCESS_TOKEN='ZmFrZQ_PF84_5b1f2e3a-8c4d-4f6e-9a7b-0c1d2e3f4a5b'\nWEBEX_REFRESH_TOKEN='ZmFrZQ_PF84_5b1f2e3a-8c4d-4f6e-9a7b-0c1d2e3f4a5b'\nWEBEX_BASE_URL='http://127.0.0.1:${port}/sandbox/v1'\n`
    for (const args of [['whoami'], ['refresh']]) {
      const run = await cli(args, nobody, download).done
      assert.equal(run.code, 11, run.stderr)
      assert.match(run.stderr, /Sandbox tokens work only with the sandbox that issued them/)
      assert.match(run.stderr, /keep `npm start` running in sandbox mode/)
      assert.match(run.stderr, /set CLIENT_ID and CLIENT_SECRET/)
      assert.doesNotMatch(run.stderr, /could not be reached|connection refused/i)
    }
  })

  test('scopes lists the catalogue, and --help is on every subcommand', async () => {
    const list = await cli(['scopes', '--family', 'compliance', '--json'], {}).done
    assert.equal(list.code, 0)
    assert.equal((JSON.parse(list.stdout) as unknown[]).length, 16)
    for (const sub of ['token', 'refresh', 'whoami', 'scopes', 'serve']) {
      const help = await cli([sub, '--help'], {}).done
      assert.equal(help.code, 0)
      assert.match(help.stdout, new RegExp(`Usage: webex-token-issuer ${sub}`))
    }
    const token = await cli(['token', '--help'], {}).done
    assert.match(token.stdout, /Exit codes:[\s\S]*9 +timeout/)
    assert.doesNotMatch(
      token.stdout,
      /^ {2}11 +sandbox_token/m,
      'only the codes token can end with (test/cli-scripts.test.ts)'
    )
  })
})
