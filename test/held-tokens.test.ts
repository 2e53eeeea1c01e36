// Where the CLI sends tokens it is handed (whoami, refresh, grants, service-app token): only to
// the Webex that issued them, and to a sandbox only when that sandbox proves it is the one this
// user started (src/sandbox-proof.ts). A program that merely answers /healthz like the sandbox,
// on the port REDIRECT_URI names or the one a token file names, receives nothing.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toEnvFile } from '../src/oauth/token-file.ts'
import { PACKAGE_ROOT } from '../src/paths.ts'
import { newSandboxKey, publishSandboxKey, runtimeDir, sandboxProof } from '../src/sandbox-proof.ts'
import { Browser, field, freePort, runCliHere, runFlow, spawnTs, type Spawned } from './helpers.ts'

const README = join(PACKAGE_ROOT, 'README.md')
const ACCESS = 'ZmFrZQ_impostor_bait_access_token_0123456789'
const REFRESH = 'ZmFrZQ_impostor_bait_refresh_token_0123456789'
const APP_SECRET = 'service-app-secret-that-must-stay-home-42'

/** A program that answers like the sandbox and keeps every request it is sent, bodies included. */
interface Impostor {
  port: number
  seen: Array<{ url: string, authorization?: string, body: string }>
  close: () => Promise<void>
}

async function startImpostor (answerProof: (nonce: string) => string = () => 'not-a-proof'): Promise<Impostor> {
  const seen: Impostor['seen'] = []
  const server: Server = createHttpServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    req.on('end', () => {
      seen.push({ url: req.url ?? '', ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }), body })
      const path = new URL(req.url ?? '/', 'http://x').pathname
      res.setHeader('content-type', 'application/json')
      if (path === '/healthz') res.end(JSON.stringify({ status: 'ok', service: 'webex-token-issuer' }))
      else if (path.endsWith('/proof')) {
        res.end(JSON.stringify({ proof: answerProof(new URL(req.url ?? '/', 'http://x').searchParams.get('nonce') ?? '') }))
      } else if (path.endsWith('/people/me')) {
        res.end(JSON.stringify({ id: 'x', emails: ['x@example.com'], displayName: 'Impostor', orgId: 'o' }))
      } else if (path.endsWith('/access_token')) {
        res.end(JSON.stringify({ access_token: ACCESS, expires_in: 3600, refresh_token: REFRESH, refresh_token_expires_in: 7776000, token_type: 'Bearer' }))
      } else res.end('{"items":[]}')
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/** An https "Webex" on loopback that counts TLS connections and completes none: the token's own Webex, reached. */
async function startTlsCounter (): Promise<{ port: number, connections: () => number, close: () => Promise<void> }> {
  let connections = 0
  const server: TcpServer = createTcpServer((socket) => {
    connections++
    socket.destroy()
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return { port, connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

function tokenFile (dir: string, baseUrl: string): string {
  const path = join(dir, 'webex.env')
  writeFileSync(
    path,
    `WEBEX_ACCESS_TOKEN='${ACCESS}'\nWEBEX_REFRESH_TOKEN='${REFRESH}'\nWEBEX_ACCESS_TOKEN_EXPIRES_AT='2020-01-01T00:00:00.000Z'\nWEBEX_BASE_URL='${baseUrl}'\n`,
    { mode: 0o600 }
  )
  return path
}

/** Everything the impostor was sent, as one string, for "no secret in it" checks. */
function everything (impostor: Impostor): string {
  return JSON.stringify(impostor.seen)
}

describe('a token goes only to the Webex that issued it', () => {
  let impostor: Impostor
  let webex: Awaited<ReturnType<typeof startTlsCounter>>
  let dir: string
  let runtime: string
  before(async () => {
    impostor = await startImpostor()
    webex = await startTlsCounter()
    dir = mkdtempSync(join(tmpdir(), 'wti-held-'))
    runtime = mkdtempSync(join(tmpdir(), 'wti-run-'))
  })
  after(async () => {
    await impostor.close()
    await webex.close()
  })

  // The review's case: no CLIENT_ID (whoami needs none), a real token file, and a program on
  // REDIRECT_URI's port that answers /healthz as this tool does.
  const env = (): Record<string, string> => ({ PORT: String(impostor.port), XDG_RUNTIME_DIR: runtime })

  test('whoami sends a real token file to its own Webex, never to a program on REDIRECT_URI\'s port', async () => {
    const file = tokenFile(dir, `https://127.0.0.1:${webex.port}/v1`)
    const { code, stdout } = await runCliHere(['whoami', '--in', file], env()).done
    assert.notEqual(code, 0)
    assert.equal(stdout, '')
    assert.ok(webex.connections() >= 1, 'the token file\'s own Webex was asked')
    assert.deepEqual(impostor.seen, [])
  })

  test('refresh of a real token with no CLIENT_ID sends nothing anywhere and says which integration it needs', async () => {
    const file = tokenFile(dir, `https://127.0.0.1:${webex.port}/v1`)
    const before = webex.connections()
    const { code, stderr } = await runCliHere(['refresh', '--in', file, '--format', 'token'], env()).done
    assert.equal(code, 78)
    assert.match(stderr, /needs the CLIENT_ID and CLIENT_SECRET of the integration that issued it/)
    assert.match(stderr, /Nothing was sent/)
    assert.equal(webex.connections(), before)
    assert.deepEqual(impostor.seen, [])
    assert.doesNotMatch(stderr, new RegExp(REFRESH))
  })

  test('grants and service-app token with a real admin token send neither it nor the app\'s secret to the impostor', async () => {
    const file = tokenFile(dir, `https://127.0.0.1:${webex.port}/v1`)
    const secretFile = join(dir, 'app-secret.txt')
    writeFileSync(secretFile, APP_SECRET, { mode: 0o600 })
    const grants = await runCliHere(['grants', 'list', '--in', file], env()).done
    assert.notEqual(grants.code, 0)
    const app = await runCliHere(
      ['service-app', 'token', '--app-id', 'Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL2FwcA', '--client-id', 'C1234567890abcdef', '--client-secret-file', secretFile, '--in', file, '--format', 'token'],
      env()
    ).done
    assert.notEqual(app.code, 0)
    assert.equal(app.stdout, '')
    assert.deepEqual(impostor.seen, [])
  })

  test('a token file naming a sandbox the user never started is refused, and the impostor there gets no token', async () => {
    const file = tokenFile(dir, `http://localhost:${impostor.port}/sandbox/v1`)
    const { code, stderr } = await runCliHere(['whoami', '--in', file], env()).done
    assert.equal(code, 11)
    assert.match(stderr, new RegExp(`sandbox at http://localhost:${impostor.port}`))
    assert.match(stderr, new RegExp(`PORT=${impostor.port} npm start`))
    // It was asked to prove itself (it has no key to read, so not even that), and sent no token.
    assert.doesNotMatch(everything(impostor), /ZmFrZQ/)
    assert.equal(impostor.seen.filter((r) => r.authorization !== undefined).length, 0)
  })

  test('a stale key from an earlier sandbox on that port does not let the impostor pass', async () => {
    // A real sandbox ran on this port earlier, and crashed before removing its key.
    const unpublish = await publishSandboxKey({ XDG_RUNTIME_DIR: runtime }, impostor.port, newSandboxKey())
    assert.ok(unpublish !== undefined)
    const file = tokenFile(dir, `http://localhost:${impostor.port}/sandbox/v1`)
    const { code } = await runCliHere(['whoami', '--in', file], env()).done
    assert.equal(code, 11)
    const refresh = await runCliHere(['refresh', '--in', file, '--format', 'token'], env()).done
    assert.equal(refresh.code, 11)
    assert.equal(refresh.stdout, '')
    assert.ok(impostor.seen.some((r) => r.url.includes('/proof?nonce=')), 'the impostor was asked for a proof')
    assert.doesNotMatch(everything(impostor), /ZmFrZQ/)
    await unpublish()
  })

  test('a WEBEX_BASE_URL naming a sandbox (a loaded download) with CLIENT_ID set is refused before anything is sent', async () => {
    const run = await runCliHere(['whoami'], {
      ...env(),
      CLIENT_ID: 'Creal0integration',
      CLIENT_SECRET: 'real-client-secret-0123456789',
      WEBEX_BASE_URL: `http://localhost:${impostor.port}/sandbox/v1`
    }, ACCESS).done
    assert.equal(run.code, 78)
    assert.match(run.stderr, /is a sandbox's address/)
    assert.doesNotMatch(run.stderr, /real-client-secret/)
    assert.doesNotMatch(everything(impostor), /ZmFrZQ|real-client-secret/)
  })

  test('a sandbox named on another loopback address than the one the proof is asked on gets nothing', async () => {
    const file = tokenFile(dir, `http://127.0.0.2:${impostor.port}/sandbox/v1`)
    const { code } = await runCliHere(['whoami', '--in', file], env()).done
    assert.equal(code, 2)
    assert.doesNotMatch(everything(impostor), /ZmFrZQ/)
  })

  test('a plain-http Webex that is not a sandbox gets nothing', async () => {
    const file = tokenFile(dir, `http://127.0.0.1:${impostor.port}/v1`)
    const { code, stderr } = await runCliHere(['whoami', '--in', file], env()).done
    assert.equal(code, 2)
    assert.match(stderr, /plain http, and not a sandbox of yours, so the token was sent nowhere/)
    assert.doesNotMatch(everything(impostor), /ZmFrZQ/)
  })
})

describe('the runtime folder the sandbox key lives in', () => {
  test('is refused when group or others can open it', async () => {
    const base = mkdtempSync(join(tmpdir(), 'wti-run-'))
    const dir = join(base, 'webex-token-issuer')
    mkdirSync(dir, { mode: 0o755 })
    chmodSync(dir, 0o755)
    assert.equal(await runtimeDir({ XDG_RUNTIME_DIR: base }, true), undefined)
    chmodSync(dir, 0o700)
    assert.equal(await runtimeDir({ XDG_RUNTIME_DIR: base }, true), dir)
  })

  test('without XDG_RUNTIME_DIR it is in the user\'s cache folder, not the shared temporary folder', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'wti-cache-'))
    assert.equal(await runtimeDir({ XDG_CACHE_HOME: cache }, true), join(cache, 'webex-token-issuer'))
  })

  test('the proof binds the port: a proof for one port is no proof for another', () => {
    const key = newSandboxKey()
    assert.notEqual(sandboxProof(key, 8080, 'n'.repeat(43)), sandboxProof(key, 8081, 'n'.repeat(43)))
    assert.notEqual(sandboxProof(key, 8080, 'n'.repeat(43)), sandboxProof(newSandboxKey(), 8080, 'n'.repeat(43)))
  })
})

test('a sandbox that does not hold 127.0.0.1:PORT publishes no key, so nothing could relay its proof there', async () => {
  const port = await freePort()
  const runtime = mkdtempSync(join(tmpdir(), 'wti-run-'))
  const server = spawnTs('../src/main.ts', [], { PORT: String(port), HOST: '127.0.0.2', XDG_RUNTIME_DIR: runtime })
  try {
    await server.waitFor(/open http/)
    assert.equal(existsSync(join(runtime, 'webex-token-issuer', `sandbox-${port}.key`)), false)
  } finally {
    server.kill('SIGTERM')
    await server.done
  }
})

describe('rehearsing with the sandbox\'s own download', () => {
  let server: Spawned
  let port: number
  let runtime: string
  let file: string
  before(async () => {
    port = await freePort()
    runtime = mkdtempSync(join(tmpdir(), 'wti-run-'))
    // npm start as a person runs it: the real server process, sandbox mode.
    server = spawnTs('../src/main.ts', [], { PORT: String(port), XDG_RUNTIME_DIR: runtime })
    await server.waitFor(/open http/)
    const browser = new Browser()
    const { final } = await runFlow(browser, `http://localhost:${port}`, ['spark-admin:people_read'])
    assert.equal(final.status, 200)
    const record = JSON.parse(
      (/data-record="([^"]*)"/.exec(final.body)?.[1] ?? '{}').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
    ) as { expires_at: string, base_url: string, scopes: string[], token_type: string }
    // The page's .env download, as its script makes it (the same toEnvFile).
    file = join(mkdtempSync(join(tmpdir(), 'wti-dl-')), 'webex.env')
    writeFileSync(
      file,
      toEnvFile({
        ...record,
        person: null,
        access_token: field(final.body, 'access-token') ?? '',
        refresh_token: field(final.body, 'refresh-token') ?? ''
      }),
      { mode: 0o600 }
    )
    await browser.close()
  })
  after(async () => {
    server.kill('SIGTERM')
    await server.done
  })

  test("whoami and the README's rehearsal line find the sandbox from the file, prove it, and refresh", async () => {
    assert.match(readFileSync(file, 'utf8'), new RegExp(`WEBEX_BASE_URL='http://localhost:${port}/sandbox/v1'`))
    // A different REDIRECT_URI port in the environment does not matter: the file names the sandbox.
    const env = { PORT: String(port + 1), XDG_RUNTIME_DIR: runtime }
    const whoami = await runCliHere(['whoami', '--in', file], env).done
    assert.equal(whoami.code, 0, whoami.stderr)
    assert.match(whoami.stdout, /Avery Admin/)
    const before = readFileSync(file, 'utf8')
    // The README's rehearsal line, as written, on the download.
    const line = /<!-- rehearsal:begin -->\n```\n(.*)\n```/.exec(readFileSync(README, 'utf8'))?.[1] ?? ''
    const [npx, command, ...args] = line.split(' ')
    assert.deepEqual([npx, command], ['npx', 'webex-token-issuer'])
    const refresh = await runCliHere(args.map((arg) => (arg === 'webex.env' ? file : arg)), env).done
    assert.equal(refresh.code, 0, refresh.stderr)
    assert.match(refresh.stderr, /Refreshed\./)
    const after = readFileSync(file, 'utf8')
    assert.notEqual(after, before)
    assert.match(after, new RegExp(`WEBEX_BASE_URL='http://localhost:${port}/sandbox/v1'`))
  })

  test('once the sandbox stops, its key is gone and the CLI names the port to start it on', async () => {
    server.kill('SIGTERM')
    await server.done
    assert.equal(existsSync(join(runtime, 'webex-token-issuer', `sandbox-${port}.key`)), false)
    const { code, stderr } = await runCliHere(['whoami', '--in', file], { XDG_RUNTIME_DIR: runtime }).done
    assert.equal(code, 11)
    assert.match(stderr, new RegExp(`PORT=${port} npm start`))
  })
})
