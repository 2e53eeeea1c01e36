// The tokens page's view model: tokens, expiries, requested vs granted scopes, whose token
// it is and where, and what the browser-side downloads need.
import type { IdClaims } from '../oauth/id-token.ts'
import type { TokenRecordMeta } from '../oauth/token-file.ts'
import { tokenRecord } from '../oauth/token-record.ts'
import { FULL_ADMIN_ROLE, isReadOnlyAdmin, orgIdFromToken, type Person, type TokenSet } from '../webex/resources.ts'
import { formatDateTime, formatRelative, type Environment } from './render.ts'

export interface ScopeComparison {
  scope: string
  requested: boolean
  granted: boolean
}

/** Lines up requested and granted scopes; undefined granted means Webex did not say. */
export function compareScopes (requested: readonly string[] | undefined, granted: readonly string[] | undefined) {
  if (requested === undefined) {
    return {
      rows: (granted ?? []).map((scope) => ({ scope, requested: false, granted: true })),
      known: granted !== undefined,
      compared: false,
      missing: [],
      extra: []
    }
  }
  if (granted === undefined) {
    return {
      rows: requested.map((scope) => ({ scope, requested: true, granted: true })),
      known: false,
      compared: true,
      missing: [],
      extra: []
    }
  }
  const g = new Set(granted)
  const r = new Set(requested)
  const rows: ScopeComparison[] = [
    ...requested.map((scope) => ({ scope, requested: true, granted: g.has(scope) })),
    ...granted.filter((s) => !r.has(s)).map((scope) => ({ scope, requested: false, granted: true }))
  ]
  return {
    rows,
    known: true,
    compared: true,
    missing: requested.filter((s) => !g.has(s)),
    extra: granted.filter((s) => !r.has(s))
  }
}

function expiry (date: Date | undefined, now: number) {
  return date === undefined
    ? undefined
    : { iso: date.toISOString(), text: formatDateTime(date), relative: formatRelative(date, now) }
}

export interface TokensInput {
  tokens: TokenSet
  requested?: readonly string[]
  person?: Person
  personProblem?: string
  orgName?: string
  refreshed?: boolean
  /** The verified claims of the id_token, for an OpenID sign-in. */
  idClaims?: IdClaims
  environment: Environment
  now: number
  /** A Service App's tokens: refreshed with its own client id and secret. */
  serviceApp?: { clientId: string }
  /** Whether the tokens can revoke themselves (both identity scopes), and the grant behind them when it is proven. */
  revoke?: RevokeView
  /** Write scopes Webex granted that need an admin who may change things, for a read-only admin. */
  readOnlyWrites?: readonly string[]
}

/**
 * "Revoke these tokens": the sign-in's own grant when it is proven (its id goes in the form),
 * or why it is not, with the candidates for the Grants page to show; `revocable` is false when
 * the tokens lack the identity scopes.
 */
export interface RevokeView {
  revocable: boolean
  authorizationId?: string
  unproven?: { reason: string, candidateIds: string }
}

/** The token file's fields without the tokens (the page's fields hold those), for the downloads. */
function recordMeta (input: TokensInput): string {
  const {
    access_token: _access,
    refresh_token: _refresh,
    id_token: _id,
    ...meta
  } = tokenRecord({
    ...input,
    baseUrl: input.environment.baseUrl,
    ...(input.serviceApp === undefined ? {} : { clientId: input.serviceApp.clientId })
  })
  return JSON.stringify(meta satisfies TokenRecordMeta)
}

export function tokensView (input: TokensInput) {
  const { tokens, person, now } = input
  return {
    record: recordMeta(input),
    accessToken: tokens.accessToken,
    // A first call to try the token with, masked and copied like the token itself.
    curlLine: `curl -H "Authorization: Bearer ${tokens.accessToken}" ${input.environment.baseUrl}/people/me`,
    readOnlyWrites:
      input.readOnlyWrites !== undefined && input.readOnlyWrites.length > 0
        ? input.readOnlyWrites.join(', ')
        : undefined,
    refreshToken: tokens.refreshToken,
    refreshTokenKept: tokens.refreshTokenKept === true,
    refreshed: input.refreshed === true,
    tokenType: tokens.tokenType,
    accessExpiry: expiry(tokens.expiresAt, now),
    refreshExpiry: expiry(tokens.refreshTokenExpiresAt, now),
    scopes: compareScopes(input.requested, tokens.grantedScopes),
    person:
      person === undefined
        ? undefined
        : {
            displayName: person.displayName ?? [person.firstName, person.lastName].filter(Boolean).join(' '),
            email: person.emails[0],
            fullAdmin: person.roles?.includes(FULL_ADMIN_ROLE) === true,
            readOnly: isReadOnlyAdmin(person),
            type: person.type
          },
    orgId: person?.orgId ?? orgIdFromToken(tokens.accessToken),
    orgName: input.orgName,
    personProblem: input.personProblem,
    idToken: tokens.idToken,
    idClaims:
      input.idClaims === undefined
        ? undefined
        : [
            ['Subject (sub)', input.idClaims.subject],
            ['Issuer (iss)', input.idClaims.issuer],
            [
              'Email',
              input.idClaims.email === undefined
                ? undefined
                : `${input.idClaims.email}${input.idClaims.emailVerified === true ? ' (verified)' : ''}`
            ],
            ['Name', input.idClaims.name],
            ['Given name', input.idClaims.givenName],
            ['Family name', input.idClaims.familyName],
            ['Phone', input.idClaims.phoneNumber],
            ['Address', input.idClaims.address],
            ['Locale', input.idClaims.locale],
            [
              'Signed in at',
              input.idClaims.issuedAt === undefined ? undefined : formatDateTime(input.idClaims.issuedAt)
            ]
          ]
            .filter((row): row is [string, string] => row[1] !== undefined)
            .map(([name, value]) => ({ name, value })),
    userInfoProblem: input.idClaims?.userInfoProblem,
    environmentLabel: input.environment.label,
    serviceApp: input.serviceApp,
    revoke: input.revoke
  }
}
