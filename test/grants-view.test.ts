// The Grants page's view models (src/web/grants-view.ts), from Webex's answers alone: no server.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { grantsListView, grantView } from '../src/web/grants-view.ts'
import type { Authorization, Person } from '../src/webex/resources.ts'

const NOW = Date.parse('2026-12-08T12:00:00Z')
const ME = 'Cthis0tool'
const admin: Person = { id: 'p-admin', emails: ['admin@example.com'], displayName: 'Avery Admin' } as Person
const grant = (id: string, clientId: string, created: string, type = 'refresh'): Authorization => ({
  id,
  clientId,
  applicationName: clientId === ME ? 'webex-token-issuer' : 'Other app',
  created,
  type
})

test('a grant row: its id shortened to the tail, its age, and its marks', () => {
  const long = `Y2lzY29zcGFyazovL3VzL0FVVEhPUklaQVRJT04v${'x'.repeat(30)}TAIL012345`
  const row = grantView(grant(long, ME, '2026-12-08T11:00:00Z'), NOW, { candidates: new Set([long]), session: 'other' })
  assert.equal(row.shortId, 'TAIL012345')
  assert.equal(row.idShortened, true)
  assert.equal(row.refresh, true)
  assert.equal(row.candidate, true)
  assert.equal(row.session, false)
  assert.equal(row.created?.iso, '2026-12-08T11:00:00.000Z')
  assert.equal(grantView(grant('short', ME, 'not a date'), NOW).created, undefined)
})

test("the list: grouped by application, this tool's sign-in just made proven as the session, and the summary counted", () => {
  const grants = [
    grant('g-old', ME, '2026-12-01T00:00:00Z'),
    grant('g-new', ME, '2026-12-08T11:59:59Z'),
    grant('g-other', 'Cother', '2026-12-02T00:00:00Z', 'access')
  ]
  const view = grantsListView({
    grants,
    person: { personId: admin.id },
    email: 'admin@example.com',
    admin,
    body: { candidates: 'g-old g-missing' },
    clientId: ME,
    now: NOW,
    issuedAfter: Date.parse('2026-12-08T11:59:00Z')
  })
  assert.equal(view.sessionGrant, 'g-new')
  assert.equal(view.summary, '3 grants for admin@example.com (you), in 2 applications.')
  assert.equal(view.candidates, '1 grant')
  assert.deepEqual(view.admin, { displayName: 'Avery Admin', email: 'admin@example.com' })
  const mine = view.applications.find((app) => app.grants.some((g) => g.id === 'g-new'))
  assert.ok(mine !== undefined)
  assert.deepEqual(mine.grants.map((g) => [g.id, g.session, g.candidate]).sort(), [['g-new', true, false], ['g-old', false, true]])
  // Another person's list proves no session of this page: only the form's own session_grant counts.
  const theirs = grantsListView({
    grants,
    person: { personEmail: 'alex@example.com' },
    email: 'alex@example.com',
    admin,
    body: {},
    clientId: ME,
    now: NOW,
    issuedAfter: Date.parse('2026-12-08T11:59:00Z')
  })
  assert.equal(theirs.sessionGrant, undefined)
  assert.equal(theirs.candidates, undefined)
  assert.match(theirs.summary, /for alex@example\.com, in/)
})
