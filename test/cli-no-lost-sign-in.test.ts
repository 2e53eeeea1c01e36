// The CLI never loses a finished sign-in: every destination is checked before the sign-in or
// the refresh; a write that still fails afterwards leaves the tokens in a private file of their
// own; a REDIRECT_URI that can never reach this machine is refused at once; and a port held by
// this tool's own web app is named as such. In this process, against the emulator.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { buildApp } from '../src/app.ts'
import { parseConfig } from '../src/config/index.ts'
import { Browser, cliSignIn, consent, emulatorForCli, freePort, LogCapture, runCliHere } from './helpers.ts'

const folder = () => mkdtempSync(join(tmpdir(), 'wti-dest-'))

describe('every destination is checked before anything irreversible', () => {
  const fixture = emulatorForCli()

  const destinations: Array<[string, (dir: string) => string, RegExp]> = [
    [
      'an existing file without --force',
      (dir) => {
        writeFileSync(join(dir, 'webex.env'), 'KEEP=1\n')
        return join(dir, 'webex.env')
      },
      /webex\.env already exists: pass --force to overwrite it\. Nothing was signed in or changed\./
    ],
    [
      'a folder that does not exist',
      (dir) => join(dir, 'missing', 'webex.env'),
      /the folder \S+missing does not exist/
    ],
    [
      'a "folder" that is a file',
      (dir) => {
        writeFileSync(join(dir, 'plain'), '')
        return join(dir, 'plain', 'webex.env')
      },
      /plain is not a folder/
    ],
    ['a folder given as the file', (dir) => dir, /is a folder: name a file/]
  ]

  for (const [name, make, words] of destinations) {
    test(`token --out to ${name} exits 2 before the sign-in starts`, async () => {
      const out = make(folder())
      const hits = fixture.emu.emulator.hits.token
      const run = await runCliHere(
        ['token', '--no-browser', '--scopes', 'spark-admin:people_read', '--out', out],
        fixture.env
      ).done
      assert.equal(run.code, 2, run.stderr)
      assert.match(run.stderr, words)
      assert.doesNotMatch(run.stderr, /\/authorize\?/, 'no sign-in was offered')
      assert.equal(fixture.emu.emulator.hits.token, hits)
    })
  }

  test('refresh --out to an existing file without --force exits 2 before Webex is asked', async () => {
    const signedIn = await cliSignIn(['--scopes', 'spark-admin:people_read', '--format', 'env'], fixture.env)
    const dir = folder()
    writeFileSync(join(dir, 'in.env'), signedIn.stdout, { mode: 0o600 })
    writeFileSync(join(dir, 'out.env'), 'KEEP=1\n')
    const hits = fixture.emu.emulator.hits.token
    const run = await runCliHere(['refresh', '--in', join(dir, 'in.env'), '--out', join(dir, 'out.env')], fixture.env)
      .done
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /out\.env already exists/)
    assert.equal(fixture.emu.emulator.hits.token, hits, 'no refresh was made')
    assert.equal(readFileSync(join(dir, 'out.env'), 'utf8'), 'KEEP=1\n')
  })

  test('service-app token --out to a missing folder exits 2 before the sign-in or the secret', async () => {
    const run = runCliHere(
      [
        'service-app',
        'token',
        '--app-id',
        'x',
        '--client-id',
        'C0x',
        '--sign-in',
        '--no-browser',
        '--out',
        join(folder(), 'nope', 'sa.env')
      ],
      fixture.env,
      'secret'
    )
    const done = await run.done
    assert.equal(done.code, 2, done.stderr)
    assert.match(done.stderr, /does not exist\. Nothing was signed in or changed/)
    assert.doesNotMatch(done.stderr, /\/authorize\?/)
  })

  test('a write that fails after the sign-in keeps the tokens in a private file, named on stderr, and exits 1', async () => {
    const dir = join(folder(), 'out')
    mkdirSync(dir)
    const run = runCliHere(
      [
        'token',
        '--no-browser',
        '--scopes',
        'spark-admin:people_read',
        '--format',
        'env',
        '--out',
        join(dir, 'webex.env')
      ],
      fixture.env
    )
    const url = await run.url
    // The folder disappears while the person signs in.
    rmSync(dir, { recursive: true })
    const browser = new Browser()
    await browser.fetch((await consent(browser, url, 'admin')).location ?? '')
    await browser.close()
    const done = await run.done
    assert.equal(done.code, 1, done.stderr)
    const rescue = /The tokens are not lost: they are in (\S+) \(mode 0600/.exec(done.stderr)?.[1]
    assert.ok(rescue !== undefined, done.stderr)
    assert.equal(statSync(rescue).mode & 0o777, 0o600)
    assert.equal(statSync(dirname(rescue)).mode & 0o777, 0o700)
    assert.match(
      readFileSync(rescue, 'utf8'),
      new RegExp(`WEBEX_ACCESS_TOKEN='${fixture.emu.emulator.issued.at(-1)?.accessToken ?? 'x'}'`)
    )
    assert.equal(done.stdout, '')
    assert.ok(
      !done.stderr.includes(fixture.emu.emulator.issued.at(-1)?.accessToken ?? 'x'),
      'stderr names the file, never the token'
    )
    rmSync(dirname(rescue), { recursive: true })
  })

  test('a REDIRECT_URI that is not on this machine is refused at once, pointing to --device', async () => {
    const started = Date.now()
    const run = await runCliHere(['token', '--no-browser', '--scopes', 'spark-admin:people_read', '--timeout', '30'], {
      ...fixture.env,
      REDIRECT_URI: 'https://tokens.example.com/oauth'
    }).done
    assert.equal(run.code, 2, run.stderr)
    assert.match(
      run.stderr,
      /REDIRECT_URI https:\/\/tokens\.example\.com\/oauth is not on this machine[\s\S]*--device[\s\S]*http:\/\/localhost:8080\/oauth/
    )
    assert.ok(Date.now() - started < 25_000, 'it did not wait for the timeout')
  })
})

test("a REDIRECT_URI port held by this tool's own web app is named as such", async () => {
  const port = await freePort()
  const app = await buildApp(parseConfig({ PORT: String(port), REDIRECT_URI: `http://127.0.0.1:${port}/oauth` }), {
    logStream: new LogCapture()
  })
  await app.listen({ port, host: '127.0.0.1' })
  try {
    const run = await runCliHere(['token', '--no-browser', '--scopes', 'spark-admin:people_read'], {
      REDIRECT_URI: `http://127.0.0.1:${port}/oauth`
    }).done
    assert.equal(run.code, 1)
    assert.match(
      run.stderr,
      new RegExp(
        `port ${port}, which REDIRECT_URI http://127\\.0\\.0\\.1:${port}/oauth needs, is held by this tool's own web app \\(npm start\\)\\. Sign in there, at http://127\\.0\\.0\\.1:${port}/`
      )
    )
  } finally {
    await app.close()
  }
})

describe('what --out and an env file may be', () => {
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
})
