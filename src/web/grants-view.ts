// The Grants page's view models: a grant as a row or card (its id shortened, its age, whether it
// is a candidate for "Revoke these tokens" or the page's own session), the admin, and the list of
// a person's grants grouped by application. Pure functions of Webex's answers, unit-tested.
import { groupByApplication, signInGrantOf } from '../oauth/grants.ts'
import type { Authorization, Person } from '../webex/resources.ts'
import { formatDateTime, formatRelative } from './render.ts'

export function when (created: string | undefined, now: number) {
  const date = created === undefined ? undefined : new Date(created)
  return date === undefined || Number.isNaN(date.getTime())
    ? undefined
    : { iso: date.toISOString(), text: formatDateTime(date), relative: formatRelative(date, now) }
}

export function adminView (admin: Person) {
  return {
    displayName: admin.displayName ?? admin.emails[0] ?? admin.id,
    email: admin.emails[0]
  }
}

export function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/**
 * Grant ids are ~80 characters of base64 whose start is the same for every grant
 * ("ciscospark://…/AUTHORIZATION/"): the page shows the tail, and the whole id is copied.
 */
const ID_TAIL = 10

export function grantView (
  grant: Authorization,
  now: number,
  marks: { candidates?: ReadonlySet<string>, session?: string } = {}
) {
  return {
    id: grant.id,
    shortId: grant.id.length > ID_TAIL + 2 ? grant.id.slice(-ID_TAIL) : grant.id,
    idShortened: grant.id.length > ID_TAIL + 2,
    type: grant.type ?? 'unknown',
    refresh: grant.type === 'refresh',
    created: when(grant.created, now),
    candidate: marks.candidates?.has(grant.id) === true,
    session: grant.id === marks.session
  }
}

/** What revoking this page's own sign-in does, before and after. */
export const SESSION_NOTE =
  "This is this page's own session: revoking it signs you out here, and the next step needs a new sign-in."

/**
 * The list page's view of a person's grants: grouped by application (this tool first), each
 * grant marked as a candidate (`body.candidates`) or as the page's own session, which is the form's
 * or, right after the page's own sign-in (`issuedAfter`), the one grant proven from this very list.
 */
export function grantsListView (input: {
  grants: Authorization[]
  person: { personId: string } | { personEmail: string }
  email: string
  admin: Person
  body: { candidates?: string | undefined, session_grant?: string | undefined }
  clientId: string
  now: number
  issuedAfter?: number | undefined
}) {
  const { grants, person, email, admin, body, clientId, now, issuedAfter } = input
  const candidates = new Set((body.candidates ?? '').split(/\s+/).filter((id) => id !== ''))
  const proven =
    issuedAfter === undefined || !('personId' in person) ? undefined : signInGrantOf(grants, clientId, issuedAfter)
  const session = body.session_grant ?? (proven !== undefined && 'proven' in proven ? proven.proven.id : undefined)
  const applications = groupByApplication(grants, clientId).map((app) => ({
    ...app,
    grants: app.grants.map((g) => grantView(g, now, { candidates, session }))
  }))
  return {
    sessionGrant: session,
    sessionNote: SESSION_NOTE,
    admin: adminView(admin),
    email,
    applications,
    summary: `${plural(grants.length, 'grant')} for ${email}${'personId' in person ? ' (you)' : ''}, in ${plural(applications.length, 'application')}.`,
    candidates: candidates.size > 0 ? plural(grants.filter((g) => candidates.has(g.id)).length, 'grant') : undefined
  }
}
