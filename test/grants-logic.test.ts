// The grants rules shared by the Grants page and the CLI (src/oauth/grants.ts), as pure logic.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { canManageGrants, groupByApplication, signInGrantOf } from '../src/oauth/grants.ts'
import type { Authorization } from '../src/webex/resources.ts'

const grant = (
  id: string,
  clientId: string,
  type: 'refresh' | 'access',
  created: string,
  applicationName?: string
): Authorization => ({ id, clientId, type, created, ...(applicationName === undefined ? {} : { applicationName }) })

test('grants group by client: this tool first, then by name; sign-ins before access tokens, each newest first, whatever the order or the milliseconds', () => {
  const groups = groupByApplication(
    [
      grant('a1', 'Cown', 'access', '2026-11-30T10:00:00.001Z', 'webex-token-issuer'),
      grant('z', 'Czeta', 'refresh', '2026-01-01T00:00:00Z', 'Zeta'),
      grant('r1', 'Cown', 'refresh', '2026-11-30T10:00:00.000Z', 'webex-token-issuer'),
      grant('r2', 'Cown', 'refresh', '2026-11-30T11:00:00Z', 'webex-token-issuer'),
      grant('b', 'Calpha', 'refresh', '2015-10-18T14:26:16+00:00', 'Alpha'),
      grant('n', '', 'access', 'not a date')
    ],
    'Cown'
  )
  assert.deepEqual(
    groups.map((g) => [g.name, g.own, g.refresh, g.access]),
    [
      ['webex-token-issuer', true, 2, 1],
      ['Alpha', false, 1, 0],
      ['Unknown application', false, 0, 1],
      ['Zeta', false, 1, 0]
    ]
  )
  assert.deepEqual(
    groups[0]?.grants.map((g) => g.id),
    ['r2', 'r1', 'a1']
  )
})

test("a sign-in's grant is proven only when it is this client's one refresh grant since the exchange; otherwise every candidate, never the newest", () => {
  const issuedAfter = Date.parse('2026-11-30T09:59:59Z')
  const grants = [
    grant('old', 'Cown', 'refresh', '2026-11-30T09:58:00Z'),
    grant('other', 'Cother', 'refresh', '2026-11-30T10:00:01Z'),
    grant('access', 'Cown', 'access', '2026-11-30T10:00:01Z'),
    grant('this', 'Cown', 'refresh', '2026-11-30T10:00:00Z')
  ]
  assert.deepEqual(signInGrantOf(grants, 'Cown', issuedAfter), { proven: grants[3] })
  const twin = grant('twin', 'Cown', 'refresh', '2026-11-30T10:00:00Z')
  assert.deepEqual(
    signInGrantOf([...grants, twin], 'Cown', issuedAfter),
    { candidates: [grants[3], twin] },
    'two in the same second: no guess'
  )
  assert.deepEqual(
    signInGrantOf(
      grants.filter((g) => g.id !== 'this'),
      'Cown',
      issuedAfter
    ),
    { candidates: [] },
    'an older sign-in is never taken for this one'
  )
})

test('managing grants needs both identity scopes', () => {
  assert.equal(canManageGrants(['identity:tokens_read', 'identity:tokens_write', 'spark:kms']), true)
  assert.equal(canManageGrants(['identity:tokens_read']), false)
  assert.equal(canManageGrants(undefined), false)
})
