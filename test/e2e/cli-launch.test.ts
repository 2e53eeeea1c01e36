// The CLI's `token` in Chromium (SECURITY.md, the fourth review's finding 3): the browser is
// opened on the launch file (file://), never on the single-use link, and Chromium follows the
// file's meta refresh to the link on http://localhost, on to the sandbox's sign-in and back to
// the command, which names the account it got.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { browserUnavailable } from './browser.ts'
import { BrowserFixture } from './app.ts'
import { freePort, runCliHere } from '../helpers.ts'
import { SANDBOX_ORG_NAME } from '../../src/sandbox/users.ts'

const skip = browserUnavailable()

describe('token: Chromium opens the launch file and lands on the sign-in', { skip }, () => {
  const fx = new BrowserFixture()

  test('file:// → http://localhost/go/… → the sandbox sign-in → the callback; the file is gone, the account named', async () => {
    const ctx = await fx.browser.newContext()
    const page = await ctx.newPage()
    const requested: string[] = []
    page.on('request', (request) => {
      if (request.isNavigationRequest()) requested.push(request.url())
    })
    const port = await freePort()
    const { promise: handed, resolve } = Promise.withResolvers<string>()
    const run = runCliHere(
      ['token', '--scopes', 'spark-admin:people_read'],
      { REDIRECT_URI: `http://localhost:${port}/oauth`, DISPLAY: ':0' },
      '',
      {
        // The "system browser": a page of Chromium opened on what the command hands over.
        openBrowser: async (url) => {
          resolve(url)
        }
      }
    )
    const fileUrl = await handed
    assert.match(fileUrl, /^file:\/\//)
    await page.goto(fileUrl)
    await page.waitForURL(/\/sandbox\/v1\/idb\/oauth2\/v1\/authorize\?/)
    // The file, then its meta refresh to the link on http://localhost, then Webex's authorize.
    assert.equal(requested[0], fileUrl)
    assert.match(requested[1] ?? '', new RegExp(`^http://localhost:${port}/go/[A-Za-z0-9_-]{32}$`), requested.join(' → '))
    assert.match(requested[2] ?? '', new RegExp(`^http://localhost:${port}/sandbox/v1/authorize\\?`), requested.join(' → '))
    const folder = dirname(fileURLToPath(fileUrl))
    for (let i = 0; i < 100 && existsSync(folder); i++) await sleep(10)
    assert.equal(existsSync(folder), false, 'the launch file went once the link was used')
    await page.check('#user-admin')
    await page.click('button[value="accept"]')
    await page.waitForURL(new RegExp(`^http://localhost:${port}/oauth\\?`))
    assert.match((await page.textContent('body')) ?? '', /Signed in/)
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
    assert.ok(
      done.stderr.includes(`Signed in as Avery Admin <avery.admin@sandbox.example.com> (org ${SANDBOX_ORG_NAME})`),
      done.stderr
    )
    await ctx.close()
  })
})
