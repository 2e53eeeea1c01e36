// classifyWebexError and classifyApiError, table-tested: every answer shape docs/webex-contract.md
// lists ("Token", "Service Apps", "Device grant", "Rate limits, statuses, tracking ids"), each as
// Webex would send it, to the kind, status and words the pages and the CLI then show. Pure
// functions of the answer: no sign-in, no socket.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { classifyApiError, classifyWebexError } from '../src/webex/classify.ts'
import { errorSentence } from '../src/web/error-text.ts'

const SECRET = 'our-client-secret-0123456789'
const facts = { secrets: [SECRET], now: Date.parse('2026-12-02T00:00:00Z'), trackingId: 'WTI_ours' }
const oauth = (error: string, description = 'words') =>
  JSON.stringify({ error, error_description: description, trackingID: 'ROUTER_1' })
const api = (message: string, description?: string) =>
  JSON.stringify({ message, errors: description === undefined ? [] : [{ description }], trackingId: 'ROUTER_2' })

describe('classifyWebexError: the token endpoint and every answer without a token', () => {
  const table: Array<{
    name: string
    status: number
    body: string
    kind: string
    status2?: number
    said?: RegExp
    headers?: string
  }> = [
    // OAuth shape, each code Webex names (Token; Device grant's list).
    {
      name: 'OAuth invalid_grant',
      status: 400,
      body: oauth('invalid_grant', 'Authorization code has expired'),
      kind: 'invalid_grant',
      said: /code has expired/
    },
    { name: 'OAuth invalid_client', status: 401, body: oauth('invalid_client'), kind: 'invalid_client' },
    { name: 'OAuth unauthorized_client', status: 400, body: oauth('unauthorized_client'), kind: 'invalid_client' },
    { name: 'OAuth invalid_scope', status: 400, body: oauth('invalid_scope'), kind: 'invalid_scope' },
    { name: 'OAuth access_denied', status: 400, body: oauth('access_denied'), kind: 'access_denied' },
    { name: 'OAuth invalid_request', status: 400, body: oauth('invalid_request'), kind: 'webex_refused' },
    { name: 'OAuth unsupported_grant_type', status: 400, body: oauth('unsupported_grant_type'), kind: 'webex_refused' },
    { name: 'OAuth tokenlimit_reached', status: 400, body: oauth('tokenlimit_reached'), kind: 'token_limit_reached' },
    { name: 'OAuth expired_token (RFC 8628)', status: 400, body: oauth('expired_token'), kind: 'device_code_expired' },
    { name: 'OAuth server_error', status: 500, body: oauth('server_error'), kind: 'webex_unavailable', status2: 502 },
    // Webex API shape: the code named in a description or the message.
    {
      name: 'API shape naming tokenlimit_reached',
      status: 400,
      body: api('Bad request', 'tokenlimit_reached'),
      kind: 'token_limit_reached'
    },
    {
      name: 'API shape naming invalid_grant in the message',
      status: 400,
      body: api('invalid_grant: the code was used'),
      kind: 'invalid_grant'
    },
    // API shape without a code: read by its words.
    {
      name: 'API shape, "Client Id is invalid" (device authorize)',
      status: 400,
      body: api('The request could not be understood by the server due to malformed syntax.', 'Client Id is invalid'),
      kind: 'invalid_client'
    },
    {
      name: 'API shape, "Invalid client credentials" (Service App)',
      status: 400,
      body: api('Invalid client credentials', 'The provided clientSecret is invalid'),
      kind: 'invalid_client'
    },
    {
      name: 'API shape, a refresh token revoked',
      status: 400,
      body: api('Refresh token was revoked'),
      kind: 'invalid_grant'
    },
    { name: 'API shape, grant_type', status: 400, body: api('Unsupported grant_type'), kind: 'webex_refused' },
    {
      name: 'API shape, other words',
      status: 400,
      body: api('Something else went wrong'),
      kind: 'webex_refused',
      said: /Something else/
    },
    // Statuses and bodies that are not JSON.
    { name: '401 without a code', status: 401, body: '', kind: 'invalid_client' },
    { name: '503 HTML', status: 503, body: '<html>busy</html>', kind: 'webex_unavailable', status2: 503 },
    { name: '502 empty', status: 502, body: '', kind: 'webex_unavailable', status2: 502 },
    {
      name: '429 with Retry-After',
      status: 429,
      body: '<html>slow down</html>',
      kind: 'webex_unavailable',
      status2: 503,
      headers: '7'
    },
    { name: '423 with Retry-After', status: 423, body: '', kind: 'webex_unavailable', status2: 503, headers: '1' },
    { name: '409 with nothing', status: 409, body: '', kind: 'webex_refused' },
    { name: '302 (not an error Webex documents)', status: 302, body: '', kind: 'unknown_error' }
  ]
  for (const row of table) {
    test(row.name, () => {
      const error = classifyWebexError(row.status, row.body, { ...facts, retryAfter: row.headers })
      assert.equal(error.kind, row.kind)
      if (row.status2 !== undefined) assert.equal(error.status, row.status2)
      if (row.said !== undefined) assert.match(error.details.webexDescription ?? '', row.said)
      if (row.headers !== undefined) assert.equal(error.details.retryAfter, Number(row.headers))
      if (row.body.includes('ROUTER_1')) assert.equal(error.details.trackingId, 'ROUTER_1')
      if (row.body.includes('ROUTER_2')) assert.equal(error.details.trackingId, 'ROUTER_2')
      if (!row.body.includes('ROUTER')) assert.equal(error.details.trackingId, 'WTI_ours')
    })
  }

  test("Webex's words are scrubbed of every secret we hold, in every field kept", () => {
    const echoed = JSON.stringify({
      error: `invalid_${SECRET}`,
      error_description: `bad secret ${SECRET} and ${encodeURIComponent(SECRET)}`,
      trackingID: `T_${SECRET}`
    })
    const error = classifyWebexError(400, echoed, facts)
    assert.doesNotMatch(JSON.stringify(error.details), new RegExp(SECRET))
    assert.match(error.details.webexDescription ?? '', /\[redacted\]/)
  })

  test('a Retry-After date is read as the seconds until it', () => {
    const error = classifyWebexError(429, '', { ...facts, retryAfter: 'Wed, 02 Dec 2026 00:00:30 GMT' })
    assert.equal(error.details.retryAfter, 30)
    assert.match(errorSentence(error), /wait 30 seconds/)
  })
})

describe('classifyApiError: calls made with a token', () => {
  const table: Array<{ status: number, body: string, kind: string }> = [
    {
      status: 401,
      body: api('The request requires a valid access token set in the Authorization request header.'),
      kind: 'token_invalid'
    },
    { status: 403, body: api('Insufficient privileges'), kind: 'forbidden' },
    { status: 404, body: api('The requested resource could not be found.'), kind: 'webex_not_found' },
    // An API's message may say "code": not the token endpoint's invalid_grant.
    { status: 400, body: api('Invalid code for this field'), kind: 'webex_refused' },
    { status: 409, body: api('Conflict'), kind: 'webex_refused' },
    { status: 500, body: '', kind: 'webex_unavailable' },
    { status: 429, body: '', kind: 'webex_unavailable' }
  ]
  for (const row of table) {
    test(`${row.status} → ${row.kind}`, () => {
      assert.equal(classifyApiError(row.status, row.body, facts).kind, row.kind)
    })
  }
})
