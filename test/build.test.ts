// The built server and CLI, run exactly as `npm start`, the Procfile and the installed command
// run them: CommonJS bundles with V8's code cache made at build time (src/bundle.ts). The
// suite's other process tests run src/ through tsx, so this is what proves the shipped
// artefacts work.
import { describe, test } from 'node:test'
import { spawn } from 'node:child_process'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { PACKAGE_ROOT } from '../src/paths.ts'
import { Browser, CLIENT_ID, CLIENT_SECRET, consent, freePort, npmStartCommand, runFlow, spawnNode, startEmulator } from './helpers.ts'

describe('the built server (npm start)', () => {
  const { flags, script } = npmStartCommand()

  test('the build made the bundle and its code cache', () => {
    for (const file of [script, join(PACKAGE_ROOT, 'dist', 'server.bundle.cjs'), join(PACKAGE_ROOT, 'dist', 'server.bundle.cjs.cache')]) {
      assert.ok(existsSync(file), `${file} is missing: npm ci and npm run build make it`)
    }
  })

  test('the Procfile runs the same command with the same V8 flags (the code cache depends on them)', () => {
    const procfile = readFileSync(join(PACKAGE_ROOT, 'Procfile'), 'utf8')
    const web = /^web: (?:\w+=\S+ )*node (.*) (\S+)$/m.exec(procfile)
    assert.ok(web !== null, procfile)
    assert.deepEqual(web[1]?.split(' '), flags)
    assert.equal(join(PACKAGE_ROOT, web[2] ?? ''), script)
  })

  test('starts with the code cache V8 accepted, serves a whole sandbox flow, and stops cleanly', async () => {
    const port = await freePort()
    const server = spawnNode([...flags, script], { PORT: String(port), LOG_LEVEL: 'debug' })
    await server.waitFor(/open http:\/\/localhost/)
    const browser = new Browser()
    try {
      const { final } = await runFlow(browser, `http://localhost:${port}`, ['spark-admin:people_read'])
      assert.equal(final.status, 200)
      assert.match(final.body, /Your Webex tokens/)
      assert.match(final.body, /_PF84_/)
    } finally {
      await browser.close()
      server.kill('SIGTERM')
    }
    const { code, stderr } = await server.done
    assert.equal(code, 0)
    assert.match(stderr, /^debug: code cache used$/m)
  })

  test('other V8 flags make V8 reject the cache, and the server still starts without it', async () => {
    const port = await freePort()
    const server = spawnNode(['--max-old-space-size=128', script], { PORT: String(port), LOG_LEVEL: 'debug' })
    await server.waitFor(/open http:\/\/localhost/)
    const res = await request(`http://localhost:${port}/healthz`)
    await res.body.dump()
    assert.equal(res.statusCode, 200)
    server.kill('SIGTERM')
    const { code, stderr } = await server.done
    assert.equal(code, 0)
    assert.match(stderr, /^debug: code cache rejected$/m)
  })
})

describe('the built CLI (bin/webex-token-issuer.js)', () => {
  const BIN = join(PACKAGE_ROOT, 'bin', 'webex-token-issuer.js')

  test('gets tokens against the emulator with the code cache V8 accepted', async () => {
    const port = await freePort()
    const redirectUri = `http://127.0.0.1:${port}/oauth`
    const emu = await startEmulator([redirectUri])
    const browser = new Browser()
    try {
      const run = spawnNode([BIN, 'token', '--no-browser', '--scopes', 'spark-admin:people_read', '--format', 'json'], { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI: redirectUri, WEBEX_BASE_URL: emu.base, LOG_LEVEL: 'debug' })
      const url = (await run.waitFor(/^\s+(http\S+\/authorize\?\S+)$/m))[1] ?? ''
      const back = await consent(browser, url, 'admin')
      await browser.fetch(back.location ?? '')
      const { code, stdout, stderr } = await run.done
      assert.equal(code, 0, stderr)
      assert.match(stderr, /^debug: code cache used$/m)
      const tokens = JSON.parse(stdout) as { access_token: string, scope: string }
      assert.match(tokens.access_token, /_PF84_/)
      assert.equal(tokens.scope, 'spark-admin:people_read')
    } finally {
      await browser.close()
      await emu.app.close()
    }
  })

  test('a reader that stops early (| head) ends it with exit 141 and no stack trace', async () => {
    const child = spawn(process.execPath, [BIN, 'scopes'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    // The reader is gone before the CLI writes a byte (its start-up alone takes tens of ms),
    // so its first write fails as `… | head -0` would make it fail.
    child.stdout.destroy()
    const code = await new Promise((resolve) => child.on('exit', resolve))
    assert.equal(code, 141)
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /)
  })
})
