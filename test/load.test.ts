// Load and faults together, bounded: concurrent complete flows, a share of them hitting
// injected upstream faults; each ends on its own right page with its own tokens. And
// SIGTERM in the middle of load lets in-flight requests finish, then exits 0.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Fault } from './faults.ts'
import {
  Browser,
  CLIENT_ID,
  CLIENT_SECRET,
  consent,
  field,
  freePort,
  spawnTs,
  startApp,
  startEmulator,
  startFlow
} from './helpers.ts'

const FLOWS = 60
const CONCURRENCY = 12

type Plan =
  | { kind: 'ok' }
  | { kind: 'decline' }
  | { kind: 'no-role' }
  | { kind: 'fault', fault: Fault, status: number, text: RegExp }

function planFor (i: number): Plan {
  switch (i % 10) {
    case 1:
      return { kind: 'decline' }
    case 2:
      return { kind: 'no-role' }
    case 3:
      return {
        kind: 'fault',
        fault: { kind: 'status', status: 500, body: '' },
        status: 502,
        text: /server error \(HTTP 500\)/
      }
    case 4:
      return {
        kind: 'fault',
        fault: {
          kind: 'status',
          status: 429,
          body: '<html></html>',
          contentType: 'text/html',
          headers: { 'retry-after': '7' }
        },
        status: 503,
        text: /wait 7 seconds/
      }
    case 5:
      return { kind: 'fault', fault: { kind: 'reset' }, status: 502, text: /cut off/ }
    case 6:
      return {
        kind: 'fault',
        fault: { kind: 'status', status: 200, body: '{"access_token":' },
        status: 502,
        text: /not the JSON/
      }
    case 7:
      return { kind: 'fault', fault: { kind: 'delay', ms: 150 }, status: 200, text: /Your Webex tokens/ }
    default:
      return { kind: 'ok' }
  }
}

test(`${FLOWS} concurrent flows with injected faults each end on the right page, with their own tokens`, async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (err: unknown) => {
    unhandled.push(err)
  }
  process.on('unhandledRejection', onUnhandled)
  const app = await startApp({ LOG_LEVEL: 'info' })
  const emulator = app.emulator.emulator

  async function one (i: number) {
    const plan = planFor(i)
    const browser = new Browser()
    try {
      const start = await startFlow(browser, app.url, [
        i % 2 === 0 ? 'spark-admin:people_read' : 'spark-admin:licenses_read'
      ])
      const back = await consent(
        browser,
        start.location ?? '',
        plan.kind === 'no-role' ? 'user' : 'admin',
        plan.kind === 'decline' ? 'decline' : 'accept'
      )
      const code = new URL(back.location ?? '').searchParams.get('code')
      if (plan.kind === 'fault' && code !== null) emulator.faults.pushForCode(code, plan.fault)
      const page = await browser.fetch(back.location ?? '')
      return { i, plan, code, page }
    } finally {
      await browser.close()
    }
  }

  const results: Array<Awaited<ReturnType<typeof one>>> = []
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < FLOWS) results.push(await one(next++))
    })
  )
  process.off('unhandledRejection', onUnhandled)

  assert.equal(results.length, FLOWS)
  const seen = new Set<string>()
  for (const { i, plan, code, page } of results) {
    const where = `flow ${i} (${plan.kind})`
    if (plan.kind === 'decline') {
      assert.equal(page.status, 403, where)
      assert.match(page.body, /Access was declined/, where)
    } else if (plan.kind === 'no-role') {
      assert.equal(page.status, 403, where)
      assert.match(page.body, /Webex refused the requested scopes/, where)
    } else if (plan.kind === 'fault' && plan.status !== 200) {
      assert.equal(page.status, plan.status, where)
      assert.match(page.body, plan.text, where)
    } else {
      assert.equal(page.status, 200, where)
      const issued = emulator.issued.find((r) => r.code === code)
      assert.ok(issued !== undefined, `${where}: the emulator issued tokens for this flow's code`)
      const shown = field(page.body, 'access-token') ?? ''
      assert.equal(shown, issued.accessToken, `${where}: the page shows the tokens issued for its own code`)
      assert.equal(field(page.body, 'refresh-token'), issued.refreshToken, where)
      assert.ok(!seen.has(shown), `${where}: no two flows see the same tokens`)
      seen.add(shown)
      assert.match(
        page.body,
        i % 2 === 0
          ? /spark-admin:people_read<\/code><\/td><td>Yes<\/td><td>Yes/
          : /spark-admin:licenses_read<\/code><\/td><td>Yes<\/td><td>Yes/,
        where
      )
    }
  }
  assert.ok(seen.size >= FLOWS * 0.4)
  assert.deepEqual(unhandled, [])
  await app.close()
})

test('SIGTERM in the middle of load finishes in-flight requests and exits 0', async () => {
  const port = await freePort()
  const redirectUri = `http://127.0.0.1:${port}/oauth`
  const emu = await startEmulator([redirectUri])
  const server = spawnTs('../src/main.ts', [], {
    PORT: String(port),
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI: redirectUri,
    WEBEX_BASE_URL: emu.base,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn'
  })
  await server.waitFor(/open http/)

  const url = `http://127.0.0.1:${port}`
  const browsers = Array.from({ length: 8 }, () => new Browser())
  const callbacks = await Promise.all(
    browsers.map(async (browser) => {
      const start = await startFlow(browser, url, ['spark-admin:people_read'])
      const back = await consent(browser, start.location ?? '', 'admin')
      const code = new URL(back.location ?? '').searchParams.get('code') ?? ''
      emu.emulator.faults.pushForCode(code, { kind: 'delay', ms: 800 })
      return back.location ?? ''
    })
  )
  // Each callback's page first; then the hand-backs, whose code exchanges are in flight at SIGTERM.
  const handBackPages = await Promise.all(
    callbacks.map(async (callback, i) => {
      const browser = browsers[i] as Browser
      browser.scripts = false
      return await browser.fetch(callback)
    })
  )
  const exchanges = emu.emulator.hits.token
  const pages = Promise.all(handBackPages.map(async (page, i) => await (browsers[i] as Browser).runScript(page)))
  // SIGTERM once every exchange has reached Webex (each held there 800 ms): all eight in flight.
  for (let waited = 0; emu.emulator.hits.token < exchanges + browsers.length && waited < 10_000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  assert.equal(emu.emulator.hits.token, exchanges + browsers.length, 'every code exchange is in flight')
  server.kill('SIGTERM')
  const finished = await pages
  for (const page of finished) {
    assert.equal(page.status, 200)
    assert.match(field(page.body, 'access-token') ?? '', /_PF84_/)
  }
  assert.equal((await server.done).code, 0)
  await Promise.all(browsers.map((b) => b.close()))
  await emu.app.close()
})
