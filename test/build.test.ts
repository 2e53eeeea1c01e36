// The shipped artefacts, from a fresh build: the package's files are copied into a scratch
// folder, built there with `npm run build`'s script, and run as `npm start` and the installed
// command run them. The rest of the suite runs src/ through tsx.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../src/paths.ts'
import {
  Browser,
  CLIENT_ID,
  CLIENT_SECRET,
  consent,
  freePort,
  runFlow,
  spawnNode,
  spawnProcess,
  startEmulator,
  type Spawned
} from './helpers.ts'

let root: string

before(() => {
  root = mkdtempSync(join(tmpdir(), 'wti-build-'))
  for (const item of [
    'bin',
    'scripts',
    'src',
    'templates',
    'scopes',
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json'
  ]) {
    cpSync(join(PACKAGE_ROOT, item), join(root, item), { recursive: true })
  }
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'))
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' })
})
after(() => rmSync(root, { recursive: true, force: true }))

/** `npm start` in the scratch copy, in its own process group, so a signal reaches npm and the server alike. */
function npmStart (env: Record<string, string>): Spawned {
  return spawnProcess('npm', ['start', '--silent'], env, { cwd: root, group: true })
}

describe('the built server (npm start)', () => {
  test('the build holds the server, the CLI and the browser script, each with its source map', () => {
    for (const file of [
      'main.js',
      'main.js.map',
      'cli/bin.js',
      'cli/bin.js.map',
      'assets/app.js',
      'assets/app.js.map'
    ]) {
      assert.ok(existsSync(join(root, 'dist', file)), `dist/${file} is missing`)
    }
    const map = JSON.parse(readFileSync(join(root, 'dist', 'assets', 'app.js.map'), 'utf8')) as { sources: string[] }
    assert.ok(map.sources.some((s) => s.endsWith('src/browser/main.ts')))
    assert.ok(
      map.sources.some((s) => s.endsWith('src/catalogue/rules.ts')),
      "the browser script uses the server's own rules"
    )
  })

  test('stack traces of the built code, run as npm start and the bin run it, name src/ files', () => {
    // An entry point beside main.js, started through the same runBuilt as bin/serve.js.
    writeFileSync(
      join(root, 'dist', 'stack-probe.js'),
      "import { parseCallback } from './oauth/flow.js'\ntry { parseCallback({ code: 5 }) } catch (err) { console.log(err.stack) }\n"
    )
    const script = `const { runBuilt } = await import(${JSON.stringify(join(root, 'bin', 'run-built.js'))}); await runBuilt('stack-probe.js')`
    const stack = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    rmSync(join(root, 'dist', 'stack-probe.js'))
    assert.match(stack, /at parseCallback \(\S+\/src\/oauth\/flow\.ts:\d+:\d+\)/)
  })

  test('npm start serves a whole sandbox flow from dist/ and stops on SIGTERM', async () => {
    const port = await freePort()
    const server = npmStart({ PORT: String(port) })
    await server.waitFor(/open http:\/\/localhost/)
    const browser = new Browser()
    try {
      const { final } = await runFlow(browser, `http://localhost:${port}`, ['spark-admin:people_read'])
      assert.equal(final.status, 200)
      assert.match(final.body, /Your Webex tokens/)
      assert.match(final.body, /_PF84_/)
      const script = await browser.fetch(`http://localhost:${port}/assets/app.js`)
      assert.equal(script.status, 200)
      assert.match(script.body, /sourceMappingURL=app\.js\.map/)
    } finally {
      await browser.close()
      server.kill('SIGTERM')
    }
    const { stdout } = await server.done
    assert.match(stdout, /"msg":"shutting down"/, 'one JSON line per event when stdout is not a terminal')
  })

  test(
    'on a terminal the log is readable lines, not JSON',
    { skip: existsSync('/usr/bin/script') ? false : 'needs script(1) for a pseudo-terminal' },
    async () => {
      const port = await freePort()
      // script(1) runs the server on a pseudo-terminal, as a person's shell does.
      const child = spawn(
        '/usr/bin/script',
        ['-qec', `${process.execPath} ${join(root, 'bin', 'serve.js')}`, '/dev/null'],
        {
          cwd: root,
          detached: true,
          env: { PATH: process.env.PATH ?? '', PORT: String(port) },
          stdio: ['pipe', 'pipe', 'pipe']
        }
      )
      let out = ''
      const exited = new Promise((resolve) => child.on('close', resolve))
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          if (out.includes('Server listening')) resolve()
        })
        exited.then(
          () => resolve(),
          () => resolve()
        )
      })
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM')
      await exited
      assert.match(out, /INFO.*Server listening at http:\/\/127\.0\.0\.1:\d+/)
      assert.doesNotMatch(out, /"level":30/)
    }
  )

  test('a build older than src/ is refused in one line, and so is a missing one', async () => {
    const file = join(root, 'src', 'main.ts')
    const before = statSync(file)
    const later = new Date(Date.now() + 60_000)
    utimesSync(file, later, later)
    try {
      const stale = await npmStart({ PORT: String(await freePort()) }).done
      assert.equal(stale.code, 1)
      assert.equal(
        stale.stderr.trim(),
        'webex-token-issuer: dist/ is older than src/: run `npm run build` first (or `npm run dev` to run src/ directly).'
      )
    } finally {
      utimesSync(file, before.atime, before.mtime)
    }
    const copy = mkdtempSync(join(tmpdir(), 'wti-nobuild-'))
    cpSync(join(root, 'bin'), join(copy, 'bin'), { recursive: true })
    const missing = await spawnNode([join(copy, 'bin', 'serve.js')], {}).done
    assert.equal(missing.code, 1)
    assert.equal(
      missing.stderr.trim(),
      'webex-token-issuer is not built: run `npm run build` first (npm ci builds it too).'
    )
    rmSync(copy, { recursive: true, force: true })
  })
})

describe('the built CLI (bin/webex-token-issuer.js)', () => {
  const bin = () => join(root, 'bin', 'webex-token-issuer.js')

  test('gets tokens against the emulator', async () => {
    const port = await freePort()
    const redirectUri = `http://127.0.0.1:${port}/oauth`
    const emu = await startEmulator([redirectUri])
    const browser = new Browser()
    try {
      const run = spawnNode(
        [bin(), 'token', '--no-browser', '--scopes', 'spark-admin:people_read', '--format', 'json'],
        { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI: redirectUri, WEBEX_BASE_URL: emu.base }
      )
      const url = (await run.waitFor(/^\s+(http\S+\/authorize\?\S+)$/m))[1] ?? ''
      const back = await consent(browser, url, 'admin')
      await browser.fetch(back.location ?? '')
      const { code, stdout, stderr } = await run.done
      assert.equal(code, 0, stderr)
      const tokens = JSON.parse(stdout) as { access_token: string, scope: string }
      assert.match(tokens.access_token, /_PF84_/)
      assert.equal(tokens.scope, 'spark-admin:people_read')
    } finally {
      await browser.close()
      await emu.app.close()
    }
  })

  test('a reader that stops early (| head) ends it with exit 141 and no stack trace', async () => {
    const child = spawn(process.execPath, [bin(), 'scopes'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    // The reader is gone before the CLI writes a byte, as `… | head -0` would make it.
    child.stdout.destroy()
    const code = await new Promise((resolve) => child.on('exit', resolve))
    assert.equal(code, 141)
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /)
  })
})
