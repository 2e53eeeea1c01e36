// Pure helpers of the pages: the environment label and relative times.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseConfig } from '../src/config/index.ts'
import { describeEnvironment, formatDateTime, formatRelative } from '../src/web/render.ts'

const creds = { CLIENT_ID: 'C1234567890abcdef', CLIENT_SECRET: 'secret-secret' }

test('the environment is named: sandbox, commercial, FedRAMP, or a custom base URL', () => {
  assert.match(describeEnvironment(parseConfig({})).label, /^Sandbox/)
  assert.equal(describeEnvironment(parseConfig(creds)).label, 'Webex commercial')
  assert.equal(
    describeEnvironment(parseConfig({ ...creds, WEBEX_BASE_URL: 'https://api-usgov.webex.com/v1' })).label,
    'Webex for Government (FedRAMP)'
  )
  assert.equal(
    describeEnvironment(parseConfig({ ...creds, WEBEX_BASE_URL: 'https://webex.internal.example/v1/' })).label,
    'Custom base URL https://webex.internal.example/v1'
  )
})

test('expiries read as dates in UTC and as "in 14 days"', () => {
  const now = Date.parse('2026-11-23T09:00:00Z')
  assert.equal(formatDateTime(new Date(now)), '23 Nov 2026, 09:00 UTC')
  assert.equal(formatRelative(new Date(now + 1_209_599_000), now), 'in 14 days')
  assert.equal(formatRelative(new Date(now + 3 * 3600_000), now), 'in 3 hours')
  assert.equal(formatRelative(new Date(now - 10 * 60_000), now), '10 minutes ago')
})
