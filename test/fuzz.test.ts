// Property-based fuzzing of every route: arbitrary methods, paths, queries, bodies, cookies
// and headers never get a 5xx (the app makes no upstream call without a valid flow), never
// crash it, and never echo a secret.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { appForSuite, CLIENT_SECRET, fuzzSeed } from './helpers.ts'

const COOKIE_SECRET = 'fuzz-cookie-secret-0123456789abcdef0123456789'
const app = appForSuite({ COOKIE_SECRET })

const routes = [
  '/',
  '/start',
  '/oauth',
  '/refresh',
  '/check',
  '/healthz',
  '/scopes.json',
  '/assets/app.css',
  '/assets/../package.json',
  '/sandbox/v1/authorize',
  '/nope',
  '//oauth',
  '/oauth/',
  '/%2e%2e/',
  '/start?x=1',
  '/grants',
  '/grants/list',
  '/grants/confirm',
  '/grants/revoke',
  '/service-app',
  '/service-app/token',
  '/sandbox/v1/device',
  '/sandbox/v1/device/verify'
]

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    '%',
    '%FF',
    '%E0%A4%A',
    '\u0000',
    '<script>',
    'spark:all',
    'spark-admin:people_read',
    'A'.repeat(43),
    '[]',
    '{}',
    '&&&',
    '==',
    'grants',
    'service-app',
    'yes',
    '1',
    'a@b.example'
  )
)
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom('state', 'code', 'error', 'error_description', 'preset', 'import', 'scope', 'x'),
      text,
      fc.boolean()
    ),
    { maxLength: 6 }
  )
  .map((pairs) =>
    pairs.map(([k, v, encoded]) => `${k}=${encoded ? encodeURIComponent(v) : v.replace(/[#?\s]/g, '')}`).join('&')
  )
const body = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'scope',
          'custom',
          'refresh_token',
          'access_token',
          'refresh_token_expires_at',
          'request',
          'user',
          'decision',
          'purpose',
          'email',
          'authorization_id',
          'client_id',
          'own',
          'issued_at',
          'confirm',
          'application_id',
          'client_secret',
          'target_org_id',
          'user_code'
        ),
        text
      ),
      { maxLength: 8 }
    )
    .map((pairs) => new URLSearchParams(pairs).toString()),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 2 })
)
const cookie = fc
  .array(
    fc.tuple(
      fc.constantFrom('wti_flow_abc', 'wti_flow_', 'x', 'wti_flow_AAAAAAAAAAAAAAAA'),
      fc.oneof(text, fc.constant('e30.sig'), fc.base64String({ maxLength: 60 }))
    ),
    { maxLength: 4 }
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v.replace(/[;\r\n]/g, '')}`).join('; '))
const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded; charset=latin1'
    ),
    origin: fc.constantFrom(undefined, 'http://evil.example', 'null', 'http://localhost'),
    'sec-fetch-site': fc.constantFrom(undefined, 'same-origin', 'cross-site', 'none', 'bogus'),
    host: fc.constantFrom(undefined, 'localhost', 'evil.example', '127.0.0.1:1', '[::1]', ''),
    accept: fc.constantFrom(undefined, 'application/json', '*/*', 'text/html')
  },
  { requiredKeys: [] }
)

test('no input makes any route answer 5xx, crash, or echo a secret', async (t) => {
  const unhandled: unknown[] = []
  const onUnhandled = (err: unknown) => {
    unhandled.push(err)
  }
  process.on('unhandledRejection', onUnhandled)
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
      fc.oneof(
        fc.constantFrom(...routes),
        fc.string({ maxLength: 30 }).map((s) => `/${s.replace(/[?#\s\\]/g, '')}`)
      ),
      query,
      body,
      cookie,
      headers,
      async (method, path, q, payload, cookies, extra) => {
        const clean = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >
        const res = await app.app.inject({
          method: method as 'GET',
          url: q === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${q}`,
          headers: { ...clean, ...(cookies === '' ? {} : { cookie: cookies }) },
          ...(method === 'GET' || method === 'HEAD' ? {} : { payload })
        })
        assert.ok(res.statusCode < 500, `${method} ${path}?${q} answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
        const all = res.body + JSON.stringify(res.headers)
        assert.ok(!all.includes(CLIENT_SECRET) && !all.includes(COOKIE_SECRET), 'a secret was echoed')
        assert.doesNotMatch(res.body, /\n\s+at .+\(.+:\d+:\d+\)/, 'a stack trace was shown')
      }
    ),
    { numRuns: 600, seed: fuzzSeed(t) }
  )
  process.off('unhandledRejection', onUnhandled)
  assert.deepEqual(unhandled, [])
  const health = await app.app.inject({ url: '/healthz' })
  assert.equal(health.statusCode, 200)
  assert.ok(!app.logs.text.includes(CLIENT_SECRET) && !app.logs.text.includes(COOKIE_SECRET))
})
