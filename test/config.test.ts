// Configuration: parsed as a plain function, and bad configuration in a real process exits 78.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { createServer } from 'node:net'
import { freePort, hasIpv6Loopback, spawnTs, CLIENT_ID, CLIENT_SECRET, runCliHere } from './helpers.ts'
import { ConfigError, configErrorLines, loadConfig, parseConfig, SANDBOX_CLIENT_ID } from '../src/config/index.ts'
import { splitScopeText } from '../src/catalogue/rules.ts'

const IPV6 = await hasIpv6Loopback()

function problems (vars: Record<string, string>): string[] {
  try {
    parseConfig(vars)
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems]
    throw err
  }
  return []
}

describe('parseConfig', () => {
  test('no CLIENT_ID means sandbox mode on port 8080 with the default redirect URI', () => {
    const config = parseConfig({})
    assert.equal(config.sandbox, true)
    assert.equal(config.port, 8080)
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.redirectUri, 'http://localhost:8080/oauth')
    assert.equal(config.callbackPath, '/oauth')
    assert.equal(config.clientId, SANDBOX_CLIENT_ID)
    assert.equal(config.webexBaseUrl, 'http://localhost:8080/sandbox/v1')
    assert.equal(config.webexApiUrl, 'http://127.0.0.1:8080/sandbox/v1')
    assert.equal(config.mode, 'dynamic')
    assert.ok(Object.isFrozen(config))
  })

  test('CLIENT_ID and CLIENT_SECRET select real Webex at its default base URL', () => {
    const config = parseConfig({ CLIENT_ID: 'C1234567890abcdef', CLIENT_SECRET: 'secret-secret' })
    assert.equal(config.sandbox, false)
    assert.equal(config.webexBaseUrl, 'https://webexapis.com/v1')
    assert.equal(config.webexApiUrl, 'https://webexapis.com/v1')
  })

  test('an empty value counts as unset, as the old samples shipped CLIENT_ID=', () => {
    assert.equal(parseConfig({ CLIENT_ID: '', CLIENT_SECRET: '  ' }).sandbox, true)
  })

  test('REDIRECT_URI is kept exactly as written, and its path is the callback', () => {
    const config = parseConfig({ REDIRECT_URI: 'https://tokens.example.com/auth/webex' })
    assert.equal(config.redirectUri, 'https://tokens.example.com/auth/webex')
    assert.equal(config.callbackPath, '/auth/webex')
    assert.equal(config.secure, true)
  })

  test('each bad variable gives one clear line', () => {
    assert.deepEqual(problems({ PORT: 'abc' }), ['PORT must be a whole number from 0 to 65535'])
    assert.deepEqual(problems({ PORT: '70000' }), ['PORT must be a whole number from 0 to 65535'])
    assert.match(problems({ REDIRECT_URI: 'not a url' })[0] ?? '', /^REDIRECT_URI must be an absolute URL/)
    assert.match(problems({ REDIRECT_URI: 'ftp://x/y' })[0] ?? '', /^REDIRECT_URI must use http or https/)
    assert.match(problems({ REDIRECT_URI: 'http://localhost:8080/' })[0] ?? '', /path \/ is taken/)
    assert.match(problems({ CLIENT_ID: 'C1234567890abcdef' })[0] ?? '', /^CLIENT_SECRET is missing/)
    assert.match(problems({ CLIENT_SECRET: 'secret-secret' })[0] ?? '', /^CLIENT_ID is missing/)
    assert.match(problems({ MODE: 'foo' })[0] ?? '', /^MODE must be "dynamic" or "static"/)
    assert.match(problems({ MODE: 'static' })[0] ?? '', /^SCOPES is empty/)
    assert.match(problems({ LOG_LEVEL: 'loud' })[0] ?? '', /^LOG_LEVEL must be one of/)
    assert.match(problems({ COOKIE_SECRET: 'short' })[0] ?? '', /^COOKIE_SECRET must be at least 32/)
    assert.match(problems({ WEBEX_BASE_URL: 'https://webexapis.com/v1' })[0] ?? '', /CLIENT_ID is not/)
  })

  test('several problems are all reported', () => {
    assert.equal(problems({ PORT: 'abc', MODE: 'foo' }).length, 2)
  })

  test('a client secret is never echoed in a problem', () => {
    const secret = 'sh0rt'
    assert.ok(!problems({ CLIENT_ID: 'C1234567890abcdef', CLIENT_SECRET: secret }).join(' ').includes(secret))
  })

  test('DEBUG=oauth* from the old samples means debug logging; STATE warns', () => {
    assert.equal(parseConfig({ DEBUG: 'oauth*' }).logLevel, 'debug')
    assert.match(parseConfig({ STATE: 'fixed' }).warnings[0] ?? '', /STATE is obsolete/)
  })

  test('SCOPES splits on spaces and commas and drops duplicates', () => {
    assert.deepEqual(splitScopeText('a:b, c:d  a:b,,e:f'), ['a:b', 'c:d', 'e:f'])
  })

  test('the environment wins over .env.local, which wins over .env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wti-config-'))
    writeFileSync(join(dir, '.env'), 'PORT=1111\nMODE=dynamic\nLOG_LEVEL=warn\n')
    writeFileSync(join(dir, '.env.local'), 'PORT=2222\nLOG_LEVEL=error\n')
    const config = loadConfig({ LOG_LEVEL: 'debug' }, dir)
    assert.equal(config.port, 2222)
    assert.equal(config.logLevel, 'debug')
  })
})

describe('the server with bad configuration', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['PORT=abc', { PORT: 'abc' }, /^config error: PORT must be a whole number/m],
    [
      'a REDIRECT_URI that is not a URL',
      { REDIRECT_URI: 'localhost/oauth' },
      /^config error: REDIRECT_URI must be an absolute URL/m
    ],
    ['CLIENT_ID without CLIENT_SECRET', { CLIENT_ID: 'C1234567890abcdef' }, /^config error: CLIENT_SECRET is missing/m],
    ['MODE=foo', { MODE: 'foo' }, /^config error: MODE must be "dynamic" or "static"/m],
    // Review finding 4: the Procfile's HOST without CLIENT_ID served the emulator to the internet.
    [
      'the sandbox on a public HOST',
      { HOST: '0.0.0.0' },
      /^config error: HOST=0\.0\.0\.0 without CLIENT_ID would serve the sandbox .* set SANDBOX=public if that is really wanted$/m
    ]
  ]
  // One process proves the exit: 78, one clear line, no stack trace. The other cases are the
  // same path with other words, so they are checked in this process, as the server prints them.
  const [first, ...rest] = cases
  if (first !== undefined) {
    test(`${first[0]} exits 78 with one clear line and no stack trace`, async () => {
      const { code, stderr, stdout } = await spawnTs('../src/main.ts', [], first[1]).done
      assert.equal(code, 78)
      assert.match(stderr, first[2])
      assert.doesNotMatch(stderr + stdout, /\n\s+at /)
      assert.equal(stderr.trim().split('\n').length, 1)
    })
  }
  for (const [name, env, message] of rest) {
    test(`${name} is one clear config error line`, () => {
      assert.throws(
        () => parseConfig(env),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError)
          const lines = configErrorLines(err)
          assert.equal(lines.length, 1, lines.join('\n'))
          assert.match(lines.join('\n'), message)
          return true
        }
      )
    })
  }
})

test('SANDBOX=public lets the sandbox serve a non-loopback HOST; loopback HOSTs and real Webex need nothing', () => {
  assert.equal(parseConfig({ HOST: '0.0.0.0', SANDBOX: 'public' }).sandbox, true)
  for (const host of ['127.0.0.1', 'localhost', '::1']) assert.equal(parseConfig({ HOST: host }).sandbox, true)
  assert.equal(
    parseConfig({ HOST: '0.0.0.0', CLIENT_ID: 'C1234567890abcdef', CLIENT_SECRET: 'secret-0123456789' }).sandbox,
    false
  )
  assert.throws(() => parseConfig({ HOST: '0.0.0.0', SANDBOX: 'yes' }), /SANDBOX can only be "public"/)
})

describe('the server process', () => {
  test('starts in sandbox mode, answers /healthz, and exits 0 on SIGTERM', async () => {
    const port = await freePort()
    const server = spawnTs('../src/main.ts', [], { PORT: String(port) })
    await server.waitFor(/SANDBOX mode/)
    const res = await request(`http://127.0.0.1:${port}/healthz`)
    assert.equal(res.statusCode, 200)
    await res.body.dump()
    server.kill('SIGTERM')
    assert.equal((await server.done).code, 0)
  })

  // Review finding 7: with a full stdout pipe the old logger flushed synchronously on exit, forever.
  test('SIGTERM and SIGINT end the server in its grace period even when nobody reads its stdout, or nobody holds it', async () => {
    for (const [pipe, signal] of [
      ['full', 'SIGTERM'],
      ['closed', 'SIGINT']
    ] as const) {
      const port = await freePort()
      const child = spawn(
        process.execPath,
        ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../src/main.ts', import.meta.url))],
        {
          cwd: mkdtempSync(join(tmpdir(), 'wti-pipe-')),
          env: { PATH: process.env.PATH ?? '', PORT: String(port) },
          stdio: ['ignore', 'pipe', 'pipe']
        }
      )
      // Nothing reads stdout: once the pipe and the stream's buffer are full, every write waits.
      const exited = new Promise<{ code: number | null, signal: string | null }>((resolve) =>
        child.on('exit', (code, sig) => resolve({ code, signal: sig }))
      )
      const guard = setTimeout(() => child.kill('SIGKILL'), 25_000)
      let stderr = ''
      await new Promise<void>((resolve) =>
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString()
          if (stderr.includes('SANDBOX mode')) resolve()
        })
      )
      if (pipe === 'closed') child.stdout.destroy()
      // Each request is a log line of about 150 bytes: 1500 of them are over three times what a pipe holds (64 KiB).
      const agent = new Agent({ connections: 8 })
      let next = 0
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next++ < 1500) {
            await (await request(`http://127.0.0.1:${port}/healthz`, { dispatcher: agent })).body.dump()
          }
        })
      )
      await agent.close()
      child.kill(signal)
      const result = await exited
      clearTimeout(guard)
      assert.deepEqual(result, { code: 0, signal: null }, `${pipe} pipe, ${signal}: ${stderr}`)
    }
  })

  // Review finding 1: a browser may reach localhost over ::1, where any local user could listen.
  test(
    'on a loopback HOST it holds the port on [::1] too, and will not start beside someone else there',
    { skip: IPV6 ? false : 'this machine has no IPv6 loopback' },
    async () => {
      const port = await freePort()
      const server = spawnTs('../src/main.ts', [], { PORT: String(port) })
      await server.waitFor(/SANDBOX mode/)
      const res = await request(`http://[::1]:${port}/healthz`)
      assert.equal(res.statusCode, 200)
      assert.deepEqual(await res.body.json(), { status: 'ok', service: 'webex-token-issuer' })
      server.kill('SIGTERM')
      assert.equal((await server.done).code, 0, 'the second listener does not hold the process open')

      const blocker = createServer()
      await new Promise<void>((resolve) => blocker.listen(port, '::1', resolve))
      const refused = await spawnTs('../src/main.ts', [], { PORT: String(port) }).done
      blocker.close()
      assert.equal(refused.code, 1)
      assert.match(
        refused.stderr,
        new RegExp(`error: \\[::1\\]:${port} is already taken by another program \\(IPv6 loopback`)
      )
      assert.doesNotMatch(refused.stderr, /\n\s+at /)
    }
  )
})

describe('.env and .env.local are read only when nobody else can write them', () => {
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

describe('an AUDIT_LOG that cannot be trusted', () => {
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
})
