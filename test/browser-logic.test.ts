// The logic of the pages' script (src/browser and the shared modules it bundles), imported
// directly: countdown, calendar reminder, selection summary and warnings, search, token files.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parse as parseDotenv } from 'dotenv'
import { expiryStage, remaining } from '../src/browser/countdown.ts'
import { reminderIcs } from '../src/browser/ics.ts'
import {
  checkSelection,
  matchesSearch,
  selectionBar,
  selectionSummary,
  selectionWarnings
} from '../src/catalogue/rules.ts'
import { toEnvFile, toJsonFile, UnquotableValueError, type TokenRecord } from '../src/oauth/token-file.ts'

/** The reason the server's check gives for a selection, against a two-scope catalogue. */
function checkSelectionReason (ticked: string[]): string {
  const byId = new Map<string, { inSparkAll?: boolean }>([
    ['spark:all', {}],
    ['spark:messages_read', { inSparkAll: true }]
  ])
  const result = checkSelection({ byId }, { ticked })
  return result.ok ? '' : result.reason
}

describe('the countdown', () => {
  test('counts days, hours, minutes and seconds, then says expired', () => {
    assert.equal(remaining(((13 * 24 + 23) * 3600 + 59 * 60 + 58) * 1000 + 400), '13 d 23 h 59 min 58 s left')
    assert.equal(remaining(61_000), '00 h 01 min 01 s left')
    assert.equal(remaining(0), 'expired')
    assert.equal(remaining(-5), 'expired')
  })

  test('tells a screen reader only at an hour, five minutes and expiry', () => {
    assert.equal(expiryStage(3_600_001), '')
    assert.match(expiryStage(3_600_000), /less than an hour/)
    assert.match(expiryStage(300_000), /less than 5 minutes/)
    assert.match(expiryStage(0), /has expired/)
  })
})

describe('the calendar reminder', () => {
  const now = Date.parse('2026-11-23T10:00:00Z')

  test('is an all-day event three days before the refresh token expires, with an alarm', () => {
    const ics = reminderIcs('2027-02-21T10:00:00.000Z', now, 'u1')
    assert.match(ics, /^BEGIN:VCALENDAR\r\n/)
    assert.match(ics, /\r\nDTSTART;VALUE=DATE:20270218\r\nDTEND;VALUE=DATE:20270219\r\n/)
    assert.match(ics, /\r\nUID:20261123T100000Z-u1@webex-token-issuer\r\n/)
    assert.match(ics, /BEGIN:VALARM[\s\S]*END:VALARM/)
    assert.ok(ics.endsWith('END:VCALENDAR\r\n'))
  })

  test('is never set in the past, even for a token about to expire', () => {
    assert.match(reminderIcs('2026-11-24T00:00:00.000Z', now, 'u2'), /DTSTART;VALUE=DATE:20261123/)
  })
})

describe('the live summary of a selection', () => {
  const people = { id: 'spark-admin:people_read', role: 'admin', write: false }
  const write = { id: 'spark-admin:people_write', role: 'full_admin', write: true }
  const compliance = { id: 'spark-compliance:messages_read', role: 'compliance_officer', write: false }

  test('counts the unique scopes and shows the exact string sent', () => {
    assert.deepEqual(selectionSummary([]), { size: 0, count: 'No scope selected yet.', scopeString: '' })
    assert.deepEqual(selectionSummary(['a:b', 'c:d', 'a:b']), {
      size: 2,
      count: '2 scopes selected.',
      scopeString: 'a:b c:d'
    })
  })

  test("the phone's bar names the count and the worst of what waits in the panel", () => {
    assert.equal(selectionBar(0, []), 'No scope selected')
    assert.equal(selectionBar(1, [{ level: 'info' }]), '1 scope')
    assert.equal(selectionBar(3, [{ level: 'warn' }, { level: 'warn' }, { level: 'info' }]), '3 scopes · 2 warnings')
    assert.equal(selectionBar(2, [{ level: 'warn' }, { level: 'error' }]), '2 scopes · 1 problem')
  })

  test('warns about spark:all conflicts with the same words the server refuses them with', () => {
    const [first] = selectionWarnings(
      [
        { id: 'spark:all', role: 'any_user', write: false },
        { id: 'spark:messages_read', role: 'any_user', write: false, inSparkAll: true }
      ],
      []
    )
    assert.equal(first?.level, 'error')
    assert.match(
      first?.text ?? '',
      /^spark:all already covers spark:messages_read, so it cannot be requested beside it/
    )
    assert.equal(first?.text, checkSelectionReason(['spark:all', 'spark:messages_read']))
    assert.deepEqual(
      selectionWarnings(
        [
          { id: 'spark:all', role: 'any_user', write: false },
          { id: 'spark:kms', role: 'any_user', write: false }
        ],
        []
      ),
      []
    )
  })

  test('names several roles, write scopes, malformed and unlisted ids', () => {
    const texts = selectionWarnings([people, write, compliance], ['Not A Scope', 'spark-admin:future_read']).map(
      (w) => `${w.level}: ${w.text}`
    )
    assert.deepEqual(texts, [
      'warn: This selection needs several roles: an admin role and the Compliance Officer role. The user who signs in must hold all of them.',
      'warn: 1 write scope (spark-admin:people_write): the token can change things, not only read them.',
      'error: Not a scope id: Not A Scope',
      'info: Not in catalogue: spark-admin:future_read'
    ])
  })

  test('search matches every typed word anywhere in a row, in any case', () => {
    assert.ok(matchesSearch('spark-admin:people_read Read people in the org', 'PEOPLE org'))
    assert.ok(matchesSearch('anything', '   '))
    assert.ok(!matchesSearch('spark-admin:people_read', 'people write'))
  })
})

describe('the token files', () => {
  const record: TokenRecord = {
    access_token: 'AAA_PF84_5b1f2e3a-8c4d-4f6e-9a7b-0c1d2e3f4a5b',
    token_type: 'Bearer',
    expires_at: '2026-12-07T10:00:00.000Z',
    refresh_token: 'RRR_PF84_5b1f2e3a-8c4d-4f6e-9a7b-0c1d2e3f4a5b',
    refresh_token_expires_at: '2027-02-21T10:00:00.000Z',
    scopes: ['spark-admin:people_read', 'spark:kms'],
    base_url: 'https://webexapis.com/v1',
    person: { id: 'P1', displayName: "Avery O'Admin", emails: ['a@example.com'], orgId: 'O1' }
  }

  test("JSON carries Webex's fields with expires_in counted from now, then ours", () => {
    const json = JSON.parse(toJsonFile(record, Date.parse('2026-11-23T10:00:00Z'))) as Record<string, unknown>
    assert.deepEqual(Object.keys(json), [
      'access_token',
      'expires_in',
      'refresh_token',
      'refresh_token_expires_in',
      'token_type',
      'scope',
      'expires_at',
      'refresh_token_expires_at',
      'scopes',
      'base_url',
      'person'
    ])
    assert.equal(json.expires_in, 14 * 86_400)
    assert.equal(json.scope, 'spark-admin:people_read spark:kms')
    assert.deepEqual(json.person, record.person)
  })

  test('.env reads back exactly through dotenv, single-quoted', () => {
    const text = toEnvFile(record)
    for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
      assert.match(line, /^WEBEX_[A-Z_]+='[^'\n]*'$/)
    }
    assert.deepEqual(parseDotenv(text), {
      WEBEX_ACCESS_TOKEN: record.access_token,
      WEBEX_ACCESS_TOKEN_EXPIRES_AT: record.expires_at,
      WEBEX_REFRESH_TOKEN: record.refresh_token,
      WEBEX_REFRESH_TOKEN_EXPIRES_AT: record.refresh_token_expires_at,
      WEBEX_SCOPES: 'spark-admin:people_read spark:kms',
      WEBEX_BASE_URL: record.base_url
    })
  })

  test('.env refuses a value it cannot quote, rather than altering it', () => {
    assert.throws(
      () => toEnvFile({ ...record, base_url: "https://x.example/it's" }),
      (err: unknown) => err instanceof UnquotableValueError && err.variable === 'WEBEX_BASE_URL'
    )
  })
})
