// Browser-side attacks and hostile input: headers, Host allowlist, proxies, cookies, limits.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { parseConfig } from '../src/config/index.ts'
import { appForSuite, Browser, freePort, LogCapture } from './helpers.ts'

function assertSecurityHeaders (headers: Record<string, unknown>, where: string) {
  const csp = String(headers['content-security-policy'] ?? '')
  assert.match(csp, /default-src 'self'/, where)
  assert.match(csp, /script-src 'self'(;|$)/, where)
  assert.match(csp, /style-src 'self'(;|$)/, where)
  assert.match(csp, /frame-ancestors 'none'/, where)
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, where)
  assert.equal(headers['referrer-policy'], 'no-referrer', where)
  assert.equal(headers['x-content-type-options'], 'nosniff', where)
  assert.equal(headers['x-powered-by'], undefined, where)
}

/** Sends raw bytes over a socket and returns the status line, for what no HTTP client will send. */
async function raw (port: number, bytes: Buffer): Promise<string> {
  return (await rawAnswer(port, bytes)).split('\r\n')[0] ?? ''
}

/** The whole raw answer (status line, headers, body) to bytes sent over a socket. */
function rawAnswer (port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.on('data', (d) => {
      answer += d.toString('latin1')
    })
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
    socket.setTimeout(5000, () => {
      socket.destroy()
      resolve(answer)
    })
    socket.write(bytes)
  })
}

describe('security headers and the Host allowlist', () => {
  const app = appForSuite()

  test("forms may post only to the app itself and its callback; the sign-in leaves through a hand-off page, never a form's redirect", async () => {
    const browser = new Browser()
    const start = await browser.fetch(`${app.url}/start`, { form: { scope: 'spark:kms' } })
    const csp = String(start.headers['content-security-policy'])
    assert.match(csp, new RegExp(`form-action 'self' ${app.config.redirectOrigin}(;|$)`))
    assert.doesNotMatch(csp, new RegExp(new URL(app.emulator.base).origin), 'no Webex host is needed in form-action')
    assert.equal(start.status, 200)
    assert.equal(start.headers['cache-control'], 'no-store')
    assert.equal(start.headers.location, undefined)
    assert.ok(start.location?.startsWith(`${app.emulator.base}/authorize?`), 'a meta refresh to the authorize URL')
    assert.match(
      start.body,
      /<a class="button primary" id="continue" href="http:\/\/127\.0\.0\.1:\d+\/v1\/authorize\?/,
      'and a link for when refresh is off'
    )
    await browser.close()
  })

  test('every kind of response carries the security headers', async () => {
    const browser = new Browser()
    const pages = [
      await browser.fetch(`${app.url}/`),
      await browser.fetch(`${app.url}/healthz`),
      await browser.fetch(`${app.url}/assets/app.css`),
      await browser.fetch(`${app.url}/scopes.json`),
      await browser.fetch(`${app.url}/nope`),
      await browser.fetch(`${app.url}/oauth?state=x`),
      await browser.fetch(`${app.url}/start`, { form: { scope: 'spark:kms' } }),
      await browser.fetch(`${app.url}/start`, { form: {} }),
      await browser.fetch(`${app.url}/refresh`),
      await browser.fetch(`${app.url}/check`)
    ]
    for (const page of pages) assertSecurityHeaders(page.headers, page.url)
    await browser.close()
  })

  test('a foreign Host header (DNS rebinding) gets 421 and an explanation', async () => {
    const browser = new Browser()
    const evil = await browser.fetch(`${app.url}/`, { headers: { host: 'attacker.example' } })
    assert.equal(evil.status, 421)
    assert.match(evil.body, /Wrong host name/)
    const evilPost = await browser.fetch(`${app.url}/start`, {
      form: { scope: 'spark:kms' },
      headers: { host: `attacker.example:${new URL(app.url).port}` }
    })
    assert.equal(evilPost.status, 421)
    for (const host of ['localhost', '127.0.0.1', `localhost:${new URL(app.url).port}`, 'LOCALHOST']) {
      assert.equal((await browser.fetch(`${app.url}/healthz`, { headers: { host } })).status, 200, host)
    }
    await browser.close()
  })

  test('an absolute-form request target never reaches the Location of a redirect', async () => {
    const { port } = new URL(app.url)
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.end(`GET http://evil.example/?preset=x HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`)
      )
      let text = ''
      socket.on('data', (chunk) => {
        text += chunk.toString()
      })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    const location = /^location: (.*)$/im.exec(raw)?.[1]?.trim()
    assert.ok(location !== undefined, raw.slice(0, 200))
    assert.doesNotMatch(location, /evil\.example/)
    assert.equal(new URL(location).pathname, '/')
  })

  test('X-Forwarded-* headers are ignored unless TRUST_PROXY is set', async () => {
    const browser = new Browser()
    const spoofed = await browser.fetch(`${app.url}/healthz`, { headers: { 'x-forwarded-host': 'attacker.example' } })
    assert.equal(spoofed.status, 200, 'X-Forwarded-Host is not trusted')
    const https = await browser.fetch(`${app.url}/start`, {
      form: { scope: 'spark:kms' },
      headers: { origin: `https://127.0.0.1:${new URL(app.url).port}`, 'x-forwarded-proto': 'https' }
    })
    assert.equal(https.status, 403, 'X-Forwarded-Proto does not turn this http server into an https one')
    await browser.close()

    const trusting = await buildApp(
      parseConfig({ TRUST_PROXY: 'true', REDIRECT_URI: 'https://tokens.example.com/oauth' }),
      { logStream: new LogCapture() }
    )
    const forwarded = await trusting.inject({
      url: '/healthz',
      headers: { host: '127.0.0.1', 'x-forwarded-host': 'attacker.example' }
    })
    assert.equal(forwarded.statusCode, 421)
    const proxied = await trusting.inject({
      method: 'POST',
      url: '/start',
      headers: {
        host: '10.0.0.5',
        'x-forwarded-host': 'tokens.example.com',
        'x-forwarded-proto': 'https',
        origin: 'https://tokens.example.com',
        'content-type': 'application/x-www-form-urlencoded'
      },
      payload: 'scope=spark%3Akms'
    })
    assert.equal(proxied.statusCode, 200)
    await trusting.close()
  })
})

describe('cookies, limits and hostile input', () => {
  let app: FastifyInstance
  before(async () => {
    app = await buildApp(parseConfig({ RATE_LIMIT_PER_MINUTE: '0' }), { logStream: new LogCapture() })
  })
  after(async () => {
    await app.close()
  })

  // What a browser sends with this app's own form.
  const form = { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' }

  test('flow cookies are Secure when REDIRECT_URI is https', async () => {
    const secure = await buildApp(parseConfig({ REDIRECT_URI: 'https://tokens.example.com/oauth' }), {
      logStream: new LogCapture()
    })
    const res = await secure.inject({
      method: 'POST',
      url: '/start',
      headers: { ...form, host: 'tokens.example.com' },
      payload: 'scope=spark%3Akms'
    })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['set-cookie']), /; Secure/)
    assert.match(String(res.headers['strict-transport-security']), /max-age=/)
    await secure.close()
  })

  test('a body over the limit gets 413, an unknown content type 415, bad JSON 400: all pages, no stack', async () => {
    const big = await app.inject({
      method: 'POST',
      url: '/start',
      headers: form,
      payload: `scope=${'a'.repeat(70_000)}`
    })
    assert.equal(big.statusCode, 413)
    assert.match(big.body, /too large/)
    const xml = await app.inject({
      method: 'POST',
      url: '/start',
      headers: { ...form, 'content-type': 'text/xml' },
      payload: '<a/>'
    })
    assert.equal(xml.statusCode, 415)
    const json = await app.inject({
      method: 'POST',
      url: '/start',
      headers: { ...form, 'content-type': 'application/json' },
      payload: '{"scope":'
    })
    assert.equal(json.statusCode, 400)
    for (const res of [big, xml, json]) {
      assert.match(res.body, /<h1>/)
      assert.doesNotMatch(res.body, /at \w+ \(|node_modules/)
    }
  })

  test('too many scopes, repeated and odd parameters, unicode and bad percent-encoding get clean 4xx pages', async () => {
    const many = await app.inject({
      method: 'POST',
      url: '/start',
      headers: form,
      payload: Array.from({ length: 400 }, (_, i) => `scope=spark-admin%3As${i}_read`).join('&')
    })
    assert.equal(many.statusCode, 400)
    const repeated = await app.inject({ url: '/oauth?state=a&state=b&code=x&code=y' })
    assert.equal(repeated.statusCode, 400)
    const unicode = await app.inject({
      method: 'POST',
      url: '/start',
      headers: form,
      payload: `scope=${encodeURIComponent('spark-admin:péople_read☃')}`
    })
    assert.equal(unicode.statusCode, 400)
    const badEncoding = await app.inject({ url: '/oauth?state=%E0%A4%A&code=%FF%FE' })
    assert.ok(badEncoding.statusCode >= 400 && badEncoding.statusCode < 500, String(badEncoding.statusCode))
    const badImport = await app.inject({ url: '/?import=%ZZ' })
    assert.ok(badImport.statusCode < 500)
  })

  test('huge cookies and invalid UTF-8 on the wire get a 4xx, and the server keeps serving', async () => {
    const port = await freePort()
    const live = await buildApp(parseConfig({ PORT: String(port) }), { logStream: new LogCapture() })
    await live.listen({ port, host: '127.0.0.1' })
    const hugeCookie = await raw(
      port,
      Buffer.from(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: wti_flow_x=${'a'.repeat(40_000)}\r\nConnection: close\r\n\r\n`
      )
    )
    assert.match(hugeCookie, /^HTTP\/1\.1 4\d\d/)
    const invalidUtf8 = await raw(
      port,
      Buffer.concat([
        Buffer.from('GET /oauth?state='),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
      ])
    )
    assert.match(invalidUtf8, /^HTTP\/1\.1 4\d\d/)
    const badCookie = await raw(
      port,
      Buffer.concat([
        Buffer.from('GET /oauth?state=abc&code=x HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: wti_flow_'),
        Buffer.from([0xff]),
        Buffer.from('=%%%\r\nConnection: close\r\n\r\n')
      ])
    )
    assert.match(badCookie, /^HTTP\/1\.1 4\d\d/)
    const still = await raw(port, Buffer.from('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'))
    assert.match(still, /^HTTP\/1\.1 200/)
    await live.close()
  })

  // Review finding 5: Fastify's own refusals were raw JSON, even to a browser.
  test("refusals before any route (400, 414, 431) are the app's error page, or JSON when the client asks for JSON", async () => {
    const port = await freePort()
    const live = await buildApp(parseConfig({ PORT: String(port) }), { logStream: new LogCapture() })
    await live.listen({ port, host: '127.0.0.1' })
    const headerOverflow = (accept: string) =>
      Buffer.from(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${accept}\r\nCookie: wti_flow_x=${'a'.repeat(40_000)}\r\nConnection: close\r\n\r\n`
      )
    const cases: Array<[string, Buffer, number]> = [
      ['431 headers too large', headerOverflow('text/html,application/xhtml+xml'), 431],
      ['400 not HTTP', Buffer.from('HELLO THERE\r\n\r\n'), 400],
      [
        '400 bad URL',
        Buffer.from('GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nConnection: close\r\n\r\n'),
        400
      ],
      [
        '414 path part too long',
        Buffer.from(
          `GET /sandbox/v1/organizations/${'o'.repeat(300)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nConnection: close\r\n\r\n`
        ),
        414
      ]
    ]
    for (const [name, bytes, status] of cases) {
      const answer = await rawAnswer(port, bytes)
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), name)
      assert.match(answer, /\r\ncontent-type: text\/html; charset=utf-8\r\n/i, name)
      assert.match(answer, /<h1>That request could not be used<\/h1>/, name)
      assert.match(answer, /\r\ncontent-security-policy: default-src 'self'/i, name)
      assert.doesNotMatch(answer, /"statusCode"/, name)
    }
    const jsonOverflow = await rawAnswer(port, headerOverflow('application/json'))
    assert.match(jsonOverflow, /^HTTP\/1\.1 431 /)
    assert.equal(
      (JSON.parse(jsonOverflow.slice(jsonOverflow.indexOf('\r\n\r\n') + 4)) as { statusCode: number }).statusCode,
      431
    )
    const jsonNotFound = await live.inject({ url: '/nope', headers: { accept: 'application/json' } })
    assert.equal(jsonNotFound.statusCode, 404)
    assert.equal(jsonNotFound.json<{ error: string }>().error, 'not_found')
    assert.match(
      await raw(port, Buffer.from('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')),
      /^HTTP\/1\.1 200/
    )
    await live.close()
  })

  test('a browser keeps at most 5 open sign-ins in at most 8 KB of cookies, so the callback never hits the header limit', async () => {
    const port = await freePort()
    const live = await buildApp(
      parseConfig({ PORT: String(port), REDIRECT_URI: `http://127.0.0.1:${port}/oauth`, RATE_LIMIT_PER_MINUTE: '0' }),
      { logStream: new LogCapture() }
    )
    await live.listen({ port, host: '127.0.0.1' })
    const url = `http://127.0.0.1:${port}`
    const browser = new Browser()
    const flowCookies = async () =>
      (await browser.jar.getCookies(`${url}/oauth`)).filter((c) => c.key.startsWith('wti_flow_'))
    const states: string[] = []
    for (let i = 0; i < 8; i++) {
      const start = await browser.fetch(`${url}/start`, { form: { scope: 'spark:kms' } })
      states.push(new URL(start.location ?? '').searchParams.get('state') ?? '')
    }
    assert.equal((await flowCookies()).length, 5, 'the three oldest sign-ins were dropped')
    const oldest = await browser.fetch(`${url}/oauth?state=${encodeURIComponent(states[0] ?? '')}&code=x`)
    assert.match(oldest.body, /No sign-in with this state is in progress/)
    // Long selections make big cookies: the byte cap drops more of them.
    const many = (await live.inject({ url: '/scopes.json' }))
      .json<{ scopes: Array<{ id: string }> }>()
      .scopes.map((s) => s.id)
      .filter((id) => !id.startsWith('spark:') && !/^(openid|email|profile|phone|address)$/.test(id))
      .slice(0, 140)
    for (let i = 0; i < 12; i++) {
      const start = await browser.fetch(`${url}/start`, { form: { scope: many } })
      assert.equal(start.status, 200, start.body.slice(0, 300))
    }
    const cookieHeader = await browser.jar.getCookieString(`${url}/oauth`)
    assert.ok(cookieHeader.length <= 8192 + 200, `the callback's Cookie header is ${cookieHeader.length} bytes`)
    const newest = await browser.fetch(`${url}/oauth?state=nope&code=x`)
    assert.equal(newest.status, 400, 'the callback is answered by the app, not refused for its headers')
    await browser.close()
    await live.close()
  })

  test('with TRUST_PROXY=1 the client-written part of X-Forwarded-For does not reset the limit', async () => {
    const limited = await buildApp(parseConfig({ RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1' }), {
      logStream: new LogCapture()
    })
    const codes: number[] = []
    for (let i = 0; i < 5; i++) {
      // The router appends the client's real address (203.0.113.9); the rest is the client's own.
      const res = await limited.inject({
        method: 'POST',
        url: '/start',
        headers: { ...form, 'x-forwarded-for': `198.51.100.${i}, 203.0.113.9` },
        payload: 'scope=spark%3Akms',
        remoteAddress: '10.0.0.2'
      })
      codes.push(res.statusCode)
    }
    assert.deepEqual(codes, [200, 200, 200, 429, 429])
    const other = await limited.inject({
      method: 'POST',
      url: '/start',
      headers: { ...form, 'x-forwarded-for': '203.0.113.10' },
      payload: 'scope=spark%3Akms',
      remoteAddress: '10.0.0.2'
    })
    assert.equal(other.statusCode, 200, 'another real client has its own limit')
    await limited.close()
    assert.throws(() => parseConfig({ TRUST_PROXY: 'yes please' }), /TRUST_PROXY must be a hop count/)
    assert.match(parseConfig({ TRUST_PROXY: 'true' }).warnings.join('\n'), /any client can pick its own address/)
  })

  test('rate limits on the flow routes answer 429 with a friendly page and Retry-After', async () => {
    const limited = await buildApp(parseConfig({ RATE_LIMIT_PER_MINUTE: '3' }), { logStream: new LogCapture() })
    const codes: number[] = []
    let last
    for (let i = 0; i < 5; i++) {
      last = await limited.inject({ method: 'POST', url: '/start', headers: form, payload: 'scope=spark%3Akms' })
      codes.push(last.statusCode)
    }
    assert.deepEqual(codes, [200, 200, 200, 429, 429])
    assert.match(last?.body ?? '', /Too many attempts/)
    assert.match(String(last?.headers['retry-after']), /^\d+$/)
    const callbacks = []
    for (let i = 0; i < 5; i++) callbacks.push((await limited.inject({ url: '/oauth?state=x&code=y' })).statusCode)
    assert.deepEqual(callbacks, [400, 400, 400, 429, 429])
    assert.equal((await limited.inject({ url: '/' })).statusCode, 200, 'the page itself is not limited')
    await limited.close()
  })
})
