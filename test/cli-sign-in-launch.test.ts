// The CLI's sign-in launch and its "Signed in as" line (SECURITY.md, the fourth review's
// finding 3). The browser is opened on a private launch file, never on the single-use /go/ link,
// which in a command line (xdg-open's, the browser's) every local user could read in `ps` and
// visit first; and every sign-in names whose account it got before a token is written, so a
// stranger's is seen at once. In this process through runCli, against the emulator.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { launchPage, writeLaunchFile } from '../src/cli/launch-file.ts'
import { ORG_ID } from '../src/sandbox/kit.ts'
import { SANDBOX_ORG_NAME } from '../src/sandbox/users.ts'
import {
  Browser,
  cliSignIn,
  consent,
  emulatorForCli,
  FastClock,
  freePort,
  refreshTarget,
  runCliHere,
  type CliRun
} from './helpers.ts'

/** `token` with a display, its "browser" recording what it was handed. */
function tokenWithBrowser (env: Record<string, string>, args: string[] = []): { run: CliRun, opened: Promise<string> } {
  const { promise: opened, resolve } = Promise.withResolvers<string>()
  const run = runCliHere(['token', '--scopes', 'spark-admin:people_read', ...args], { ...env, DISPLAY: ':0' }, '', {
    openBrowser: async (url) => {
      resolve(url)
    }
  })
  return { run, opened }
}

/** Waits (boundedly) for a path to be deleted: the launch file goes while the browser moves on. */
async function gone (path: string): Promise<boolean> {
  for (let i = 0; i < 100 && existsSync(path); i++) await sleep(10)
  return !existsSync(path)
}

describe('token: the browser is handed a private launch file, never the sign-in link', () => {
  test('the opener gets a file:// URL with no link or secret in it; the file (0600, in a 0700 folder) leads to the sign-in and is gone once used', async () => {
    const port = await freePort()
    const { run, opened } = tokenWithBrowser({ REDIRECT_URI: `http://127.0.0.1:${port}/oauth` })
    const handed = await opened
    const authorize = new URL(await run.url)
    assert.match(handed, /^file:\/\/\/.+\/sign-in\.html$/)
    assert.ok(!handed.includes('/go/'), 'the link is not in the browser\'s command line')
    for (const secret of ['state', 'code_challenge']) {
      const value = authorize.searchParams.get(secret) ?? ''
      assert.ok(value.length > 0 && !handed.includes(value), `no ${secret} in the command line`)
    }
    const path = fileURLToPath(handed)
    const folder = dirname(path)
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.equal(statSync(folder).mode & 0o777, 0o700)
    assert.equal(statSync(folder).uid, process.getuid?.())
    const html = readFileSync(path, 'utf8')
    const link = refreshTarget(html)
    assert.match(link ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${port}/go/[A-Za-z0-9_-]{32}$`))
    assert.ok(!handed.includes(new URL(link ?? '').pathname.slice(4)), 'not the random part either')
    for (const secret of ['state', 'code_challenge']) {
      assert.ok(!html.includes(authorize.searchParams.get(secret) ?? '-'), `no ${secret} in the file: only the link`)
    }
    assert.ok(!html.includes('<script'), 'a meta refresh, no script (two visits would stop the sign-in)')

    const browser = new Browser()
    const hop = await browser.fetch(link ?? '')
    assert.equal(hop.status, 302)
    assert.equal(hop.location, authorize.toString(), 'on to the authorize URL the command printed')
    assert.ok(await gone(folder), 'the file and its folder go once the link is used')
    const back = await consent(browser, hop.location ?? '', 'admin')
    await browser.fetch(back.location ?? '')
    await browser.close()
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
    assert.ok(!done.stderr.includes(link ?? '-'), 'nor is the link printed')
  })

  test('Ctrl-C, or the timeout, before the link is used: the file and its folder are deleted as the command ends', async () => {
    for (const end of ['interrupt', 'timeout'] as const) {
      const port = await freePort()
      const { run, opened } = tokenWithBrowser(
        { REDIRECT_URI: `http://127.0.0.1:${port}/oauth` },
        end === 'timeout' ? ['--timeout', '1'] : []
      )
      const folder = dirname(fileURLToPath(await opened))
      assert.ok(existsSync(folder))
      if (end === 'interrupt') run.interrupt()
      const done = await run.done
      assert.notEqual(done.code, 0, end)
      assert.equal(existsSync(folder), false, `gone after the ${end}`)
    }
  })

  test('the launch file itself: the link escaped into the page, a parent it cannot write in leaves nothing behind', async () => {
    assert.match(launchPage('http://localhost:1/go/a"b<c'), /content="0; url=http:\/\/localhost:1\/go\/a&quot;b&lt;c"/)
    const listeners = process.listenerCount('exit')
    const parent = await mkdtemp(join(tmpdir(), 'wti-launch-'))
    const file = await writeLaunchFile('http://localhost:1/go/x', parent)
    assert.equal(process.listenerCount('exit'), listeners + 1, 'deleted at exit too, should the clean-up never run')
    await file.remove()
    await file.remove()
    assert.equal(process.listenerCount('exit'), listeners)
    assert.equal(existsSync(dirname(fileURLToPath(file.url))), false)
    const notAFolder = join(parent, 'plain-file')
    await writeFile(notAFolder, '')
    await assert.rejects(writeLaunchFile('http://localhost:1/go/x', notAFolder))
    assert.equal(process.listenerCount('exit'), listeners)
  })
})

describe('every CLI sign-in names whose account it got, before a token is written', () => {
  const clock = new FastClock(100)
  const fixture = emulatorForCli({ deviceIntervalS: 1, now: clock.now })
  const stranger = 'Signed in as Robin User <robin.user@sandbox.example.com>'

  test('token: the name, the email and the org\'s name; the org\'s id when the token may not read the org', async () => {
    const admin = await cliSignIn(['--scopes', 'spark-admin:people_read'], fixture.env, 'admin')
    assert.equal(admin.code, 0, admin.stderr)
    assert.ok(
      admin.stderr.includes(`Signed in as Avery Admin <avery.admin@sandbox.example.com> (org ${SANDBOX_ORG_NAME})\n`),
      admin.stderr
    )
    const user = await cliSignIn(['--scopes', 'spark:people_read'], fixture.env, 'user')
    assert.equal(user.code, 0, user.stderr)
    assert.ok(user.stderr.includes(`${stranger} (org ${ORG_ID})\n`), user.stderr)
    assert.ok(!user.stderr.includes('Signed in.'))
  })

  test('token --device: the same line', async () => {
    const run = runCliHere(['token', '--device', '--scopes', 'spark:people_read'], fixture.env, '', { clock })
    const [, complete] = await run.stderrMatch(/^\s+(http\S+\/device\?userCode=\S+)$/m)
    const browser = new Browser()
    const page = await browser.fetch(complete ?? '')
    const userCode = /name="user_code" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    await browser.fetch(new URL('device/verify', complete).toString(), {
      form: { user_code: userCode, user: 'user', decision: 'accept' }
    })
    await browser.close()
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
    assert.ok(done.stderr.includes(`${stranger} (org ${ORG_ID})\n`), done.stderr)
  })

  test("grants --sign-in (an admin command's own sign-in): the same line, before the work", async () => {
    const port = await freePort()
    const run = runCliHere(['grants', 'list', '--sign-in', '--no-browser'], { REDIRECT_URI: `http://127.0.0.1:${port}/oauth` })
    const browser = new Browser()
    const back = await consent(browser, await run.url, 'admin')
    await browser.fetch(back.location ?? '')
    await browser.close()
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
    assert.ok(
      done.stderr.includes(`Signed in as Avery Admin <avery.admin@sandbox.example.com> (org ${SANDBOX_ORG_NAME})\n`),
      done.stderr
    )
  })
})

describe('the browser is handed a single-use local link, not the authorize URL', () => {
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
