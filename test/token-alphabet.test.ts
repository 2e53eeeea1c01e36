// A token endpoint's answer may carry only tokens of the token alphabet (RFC 6750 b64token; a JWT
// for id_token): anything else, an escape sequence above all, is an unreadable answer from Webex,
// refused where the answer is read and never printed, by the CLI or the web app.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { webexIdToken, webexToken } from '../src/webex/resources.ts'
import { Browser, emulatorForCli, field, fuzzSeed, runCliHere, runFlow, startApp } from './helpers.ts'

const B64TOKEN_BODY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/'
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The grammars again, by hand: the oracle the schemas are held to. */
function isB64Token (s: string): boolean {
  const body = s.replace(/=+$/, '')
  return s.length <= 4096 && body.length > 0 && [...body].every((c) => B64TOKEN_BODY.includes(c))
}
function isJwt (s: string): boolean {
  const segments = s.split('.')
  return (
    s.length <= 16_384 &&
    (segments.length === 3 || segments.length === 5) &&
    (segments[0] ?? '') !== '' &&
    segments.every((segment) => [...segment].every((c) => BASE64URL.includes(c)))
  )
}

/** The bytes a terminal may act on: below 0x20 but newline, and DEL. */
function controlBytes (text: string): string[] {
  return [...text].filter((c) => (c < ' ' && c !== '\n') || c === '\u007f')
}

const HOSTILE = [
  { name: 'an OSC title sequence', value: 'ya29x\u001b]0;pwned\u0007pwned' },
  { name: 'a CSI clear screen', value: 'ya29x\u001b[2Jpwned' }
]

function tokenAnswer (fields: Record<string, string>): string {
  return JSON.stringify({
    access_token: `A${'b'.repeat(40)}`,
    expires_in: 1209599,
    refresh_token: `R${'c'.repeat(40)}`,
    refresh_token_expires_in: 7775999,
    token_type: 'Bearer',
    ...fields
  })
}

describe('the token alphabet, as a property', () => {
  const outside = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })
  const controls = fc
    .integer({ min: 0, max: 0x9f })
    .filter((n) => n < 0x20 || n >= 0x7f)
    .map((n) => String.fromCharCode(n))

  test('an access or refresh token: any b64token is accepted, any string outside it refused', (t) => {
    const seed = fuzzSeed(t)
    const valid = fc
      .tuple(
        fc.string({ unit: fc.constantFrom(...B64TOKEN_BODY), minLength: 1, maxLength: 4000 }),
        fc.string({ unit: fc.constant('='), maxLength: 8 })
      )
      .map(([body, pad]) => body + pad)
    fc.assert(
      fc.property(valid, (s) => webexToken.safeParse(s).success),
      { numRuns: 500, seed }
    )
    // One character outside the alphabet (a control character, or anything else), anywhere.
    fc.assert(
      fc.property(valid, fc.oneof(controls, outside), fc.nat(), (s, bad, at) => {
        fc.pre(!B64TOKEN_BODY.includes(bad) && bad !== '=')
        const i = at % (s.length + 1)
        return !webexToken.safeParse(s.slice(0, i) + bad + s.slice(i)).success
      }),
      { numRuns: 1000, seed }
    )
    // Any string at all: accepted exactly when the grammar says so.
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), valid), (s) => {
        return webexToken.safeParse(s).success === isB64Token(s)
      }),
      { numRuns: 1000, seed }
    )
    assert.equal(webexToken.safeParse('x'.repeat(4097)).success, false, 'longer than 4096')
    assert.equal(webexToken.safeParse('').success, false, 'empty')
    assert.equal(webexToken.safeParse('ab=cd').success, false, '= only at the end')
  })

  test('an id_token: any JWT of base64url segments is accepted, any string outside it refused', (t) => {
    const seed = fuzzSeed(t)
    const segment = fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 1, maxLength: 800 })
    const jwt = fc
      .oneof(fc.array(segment, { minLength: 3, maxLength: 3 }), fc.array(segment, { minLength: 5, maxLength: 5 }))
      .map((parts) => parts.join('.'))
    fc.assert(
      fc.property(jwt, (s) => webexIdToken.safeParse(s).success),
      { numRuns: 500, seed }
    )
    fc.assert(
      fc.property(jwt, fc.oneof(controls, outside, fc.constantFrom('+', '/', '=', '~')), fc.nat(), (s, bad, at) => {
        fc.pre(!BASE64URL.includes(bad) && bad !== '.')
        const i = at % (s.length + 1)
        return !webexIdToken.safeParse(s.slice(0, i) + bad + s.slice(i)).success
      }),
      { numRuns: 1000, seed }
    )
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), jwt), (s) => {
        return webexIdToken.safeParse(s).success === isJwt(s)
      }),
      { numRuns: 1000, seed }
    )
  })
})

describe('the CLI and a token endpoint answering escape sequences', () => {
  const fixture = emulatorForCli()

  for (const hostile of HOSTILE) {
    for (const format of ['token', 'env']) {
      test(`refresh --format ${format}: an access_token with ${hostile.name} is refused, and no control byte reaches the terminal`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'wti-hostile-'))
        const file = join(dir, 'webex.env')
        const base = fixture.env.WEBEX_BASE_URL ?? ''
        writeFileSync(file, `WEBEX_REFRESH_TOKEN='R${'d'.repeat(40)}'\nWEBEX_BASE_URL='${base}'\n`, { mode: 0o600 })
        fixture.emu.emulator.faults.push('token', {
          kind: 'status',
          status: 200,
          body: tokenAnswer({ access_token: hostile.value })
        })
        const run = await runCliHere(['refresh', '--in', file, '--format', format], fixture.env).done
        assert.notEqual(run.code, 0, run.stdout)
        assert.deepEqual(controlBytes(run.stdout), [], 'stdout')
        assert.deepEqual(controlBytes(run.stderr), [], 'stderr')
        assert.equal(run.stdout, '')
        assert.match(run.stderr, /not the JSON this app expects/)
        assert.doesNotMatch(run.stderr, /pwned|\[2J/, 'the token bytes are not echoed')
      })
    }
  }
})

describe('the web app and a token endpoint answering escape sequences', () => {
  const cases: Array<{ name: string, fields: Record<string, string> }> = [
    ...HOSTILE.map((h) => ({ name: `an access_token with ${h.name}`, fields: { access_token: h.value } })),
    { name: 'a refresh_token with a CSI clear screen', fields: { refresh_token: 'R\u001b[2Jpwned' } },
    { name: 'an id_token that is no JWT', fields: { id_token: 'eyJh.eyJi.c2ln\u0007' } }
  ]
  for (const c of cases) {
    test(`the callback answers ${c.name} with the unreadable-answer page, not the tokens`, async () => {
      const app = await startApp()
      const browser = new Browser()
      try {
        app.emulator.emulator.faults.push('token', { kind: 'status', status: 200, body: tokenAnswer(c.fields) })
        const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
        assert.equal(final.status, 502)
        assert.match(final.body, /not the JSON this app expects/)
        assert.equal(field(final.body, 'access-token'), undefined, 'no tokens page')
        assert.doesNotMatch(final.body, /pwned|\[2J/, 'the token bytes are not echoed')
      } finally {
        await browser.close()
        await app.close()
      }
    })
  }
})
