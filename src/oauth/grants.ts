// Grants (Webex's "authorizations"): the sign-in they need, a person's list grouped by
// application, and what revoking one stops. Shared by the Grants page and `grants` in the CLI
// (docs/webex-contract.md, "Authorizations").
import type { Catalogue } from '../catalogue/index.ts'
import type { Authorization } from '../webex/resources.ts'

/** The preset whose scopes the grants sign-in asks for: identity:tokens_read and identity:tokens_write. */
export const GRANTS_PRESET_ID = 'grants'
export const LIST_SCOPE = 'identity:tokens_read'
export const REVOKE_SCOPE = 'identity:tokens_write'

/** The scopes of a page's own sign-in: a preset of the catalogue (the Grants page's, the Service App page's). */
export function presetScopes (catalogue: Catalogue, id: string): string[] {
  const preset = catalogue.presets.find((p) => p.id === id)
  if (preset === undefined) throw new Error(`the catalogue has no "${id}" preset`)
  return [...preset.scopes]
}

/** Whether scopes (granted, or requested when Webex did not say) allow listing and revoking grants. */
export function canManageGrants (scopes: readonly string[] | undefined): boolean {
  return scopes !== undefined && scopes.includes(LIST_SCOPE) && scopes.includes(REVOKE_SCOPE)
}

/**
 * Client ids of Webex's own applications, whose grants are people's sign-ins to Webex itself
 * (docs/webex-contract.md, "Authorizations"). Known by id only: a name is the app author's to
 * choose, and an integration called "Webex Sync" is not Webex's.
 */
export const WEBEX_OWN_CLIENTS: ReadonlyMap<string, string> = new Map([
  ['C64ab04639eefee4798f58e7bc3fe01d47161be0d97ff0d31e040a6ffe66d7f0a', 'Webex Web Client'],
  ['Ccb2581f071a0714c8ab7d4777f70ebed26f1ef5f3261597f00afbb3a53c1ad88', 'Webex app for Mac'],
  ['C80fb9c7096bd8474627317ee1d7a817eff372ca9c9cee3ce43c3ea3e8d1511ec', 'Webex Developer Portal']
])

/** An application's name as shown: Webex's, else the known name of a Webex app, else its client id. */
export function applicationName (clientId: string | undefined, named?: string): string {
  const id = clientId ?? ''
  return named ?? WEBEX_OWN_CLIENTS.get(id) ?? (id === '' ? 'Unknown application' : id)
}

export interface ApplicationGrants {
  clientId: string
  name: string
  /** This tool's own integration (CLIENT_ID). */
  own: boolean
  /** One of Webex's own applications (WEBEX_OWN_CLIENTS). */
  webex: boolean
  grants: Authorization[]
  refresh: number
  access: number
}

function createdAt (grant: Authorization): number {
  const t = Date.parse(grant.created ?? '')
  return Number.isNaN(t) ? 0 : t
}

/**
 * A person's grants by application (this tool's first, then by name); in each, sign-ins (refresh
 * grants) before access tokens, newest first.
 */
export function groupByApplication (grants: readonly Authorization[], ownClientId: string): ApplicationGrants[] {
  const groups = new Map<string, ApplicationGrants>()
  for (const grant of grants) {
    const clientId = grant.clientId ?? ''
    let group = groups.get(clientId)
    if (group === undefined) {
      group = {
        clientId,
        name: applicationName(clientId, grant.applicationName),
        own: clientId !== '' && clientId === ownClientId,
        webex: WEBEX_OWN_CLIENTS.has(clientId),
        grants: [],
        refresh: 0,
        access: 0
      }
      groups.set(clientId, group)
    }
    group.grants.push(grant)
    if (grant.type === 'refresh') group.refresh++
    else group.access++
  }
  const rank = (grant: Authorization) => (grant.type === 'refresh' ? 0 : 1)
  for (const group of groups.values()) group.grants.sort((a, b) => rank(a) - rank(b) || createdAt(b) - createdAt(a))
  return [...groups.values()].sort((a, b) => Number(b.own) - Number(a.own) || a.name.localeCompare(b.name))
}

/** What revoking one grant stops, in an admin's words. */
export function grantConsequence (grant: Authorization): string {
  const app = grant.applicationName ?? 'the application'
  return grant.type === 'refresh'
    ? `${app} loses this sign-in: its refresh token and every access token made from it stop working at once, and the person must sign in to ${app} again.`
    : `This one access token of ${app} stops working. If ${app} holds the refresh token it came from, it can get a new access token without asking the person.`
}

/** What revoking every grant of one application in the org stops. */
export function clientConsequence (name: string, own: boolean, webex = false): string {
  return (
    `Every person in the org who signed in to ${name} loses that sign-in: all its refresh and access tokens stop working, and each must sign in again.` +
    (webex ? ` ${name} is one of Webex's own applications: everyone in the org is signed out of it at once.` : '') +
    (own
      ? " This is this tool's own integration: the token this page is using stops working too, so the next step needs a new sign-in."
      : '')
  )
}

/**
 * The refresh grant a sign-in made, proven or not at all. Webex does not say which grant a token
 * belongs to, but the sign-in's grant is among this client's refresh grants for the person that
 * Webex created no earlier than `issuedAfter` (TokenSet.webexIssuedAfter, on Webex's clock), in
 * the list fetched right after the code exchange. When that is one grant, it is this sign-in's;
 * when it is several (sign-ins made at about the same time), nobody can tell, and all are
 * returned as candidates for the person to choose from, never a guess.
 */
export function signInGrantOf (
  grants: readonly Authorization[],
  clientId: string,
  issuedAfter: number
): { proven: Authorization } | { candidates: Authorization[] } {
  const candidates = grants.filter(
    (g) => g.clientId === clientId && g.type === 'refresh' && createdAt(g) >= issuedAfter
  )
  return candidates.length === 1 && candidates[0] !== undefined ? { proven: candidates[0] } : { candidates }
}
