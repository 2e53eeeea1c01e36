// What Webex's API returns, apart from the HTTP client that fetches it: people, tokens, authorizations
// (OAuth grants, as Webex calls them), role ids and Webex's ids (docs/webex-contract.md).
import * as z from 'zod'

/** base64url of ciscospark://us/ROLE/id_full_admin, as people/me lists it (docs/webex-contract.md, "Roles"). */
export const FULL_ADMIN_ROLE = 'Y2lzY29zcGFyazovL3VzL1JPTEUvaWRfZnVsbF9hZG1pbg'
/** base64url of ciscospark://us/ROLE/id_readonly_admin. */
export const READONLY_ADMIN_ROLE = 'Y2lzY29zcGFyazovL3VzL1JPTEUvaWRfcmVhZG9ubHlfYWRtaW4'

/** Whether people/me says a read-only administrator (and not a full one): Webex refuses their changes. */
export function isReadOnlyAdmin (person: { roles?: readonly string[] | undefined }): boolean {
  const roles = person.roles ?? []
  return roles.includes(READONLY_ADMIN_ROLE) && !roles.includes(FULL_ADMIN_ROLE)
}

/** An OAuth client: this tool's integration, or a Service App whose tokens are refreshed. */
export interface ClientCredentials {
  clientId: string
  clientSecret: string
}

export const personAnswer = z
  .object({
    id: z.string().min(1),
    emails: z.array(z.string()).default([]),
    displayName: z.string().optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    orgId: z.string().optional(),
    roles: z.array(z.string()).optional(),
    type: z.string().optional()
  })
  .loose()

/**
 * One grant in GET /authorizations (docs/webex-contract.md, "Authorizations"); fields Webex may leave
 * out are optional.
 */
const authorizationAnswer = z
  .object({
    id: z.string().min(1).max(1000),
    applicationId: z.string().max(1000).optional(),
    applicationName: z.string().max(500).optional(),
    clientId: z.string().max(500).optional(),
    personId: z.string().max(1000).optional(),
    created: z.string().max(100).optional(),
    type: z.string().max(40).optional()
  })
  .loose()
export const authorizationsAnswer = z.object({ items: z.array(authorizationAnswer).max(10_000) }).loose()

export type Authorization = z.infer<typeof authorizationAnswer>

export interface DeviceAuthorization {
  deviceCode: string
  userCode: string
  verificationUri: string
  verificationUriComplete?: string
  expiresInS: number
  intervalS: number
}

export interface TokenSet {
  accessToken: string
  tokenType: string
  expiresAt: Date
  refreshToken?: string
  refreshTokenExpiresAt?: Date
  /** Scopes Webex says it granted; undefined when the answer had no `scope`. */
  grantedScopes?: string[]
  /** True when a refresh answer had no refresh_token and the one sent was kept. */
  refreshTokenKept?: boolean
  /** The OpenID id_token, when Webex sent one; verify it before trusting any claim. */
  idToken?: string
  /** Webex's tracking id of the token answer, for the audit trail. */
  trackingId?: string
  /**
   * A moment, on Webex's clock (ms), no later than the grant this answer made: its Date header,
   * less the request's duration and a second for the header's rounding. Grants Webex lists as
   * created before it are not this sign-in's (docs/webex-contract.md, "Authorizations").
   */
  webexIssuedAfter?: number
}

export type Person = z.infer<typeof personAnswer>

/**
 * Webex's ids (people, orgs, applications, authorizations, client ids): base64 text or a C and
 * hex digits. No dot or colon: `.` and `..` would be path segments that a URL normaliser folds
 * (/applications/../token), so an id outside this alphabet never reaches the network.
 */
export const WEBEX_ID_PATTERN = /^[A-Za-z0-9_=+/-]{1,1000}$/

/**
 * What a token in a token endpoint's answer may hold, checked where the answer is read: an
 * access or refresh token is an RFC 6750 b64token (letters, digits, `-._~+/`, then any `=`), an
 * id_token a JWT (base64url segments joined by dots: three, or five when encrypted). Those bytes
 * are written raw by `--format token` and `env`, so an answer carrying anything else (an escape
 * sequence for the terminal, a quote for the shell) is refused, never printed.
 */
export const B64TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/
export const JWT_PATTERN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2}(?:(?:\.[A-Za-z0-9_-]*){2})?$/
export const webexToken = z.string().min(1).max(4096).regex(B64TOKEN_PATTERN)
export const webexIdToken = z.string().min(1).max(16_384).regex(JWT_PATTERN)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The org id a Webex access token names, for display only (never trusted): the last `_` field
 * of an opaque token, or the `realm` claim of a JWT access token (docs/webex-contract.md, "Token").
 */
export function orgIdFromToken (token: string): string | undefined {
  const parts = token.split('.')
  if (parts.length === 3) {
    try {
      const claims: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'))
      const realm = typeof claims === 'object' && claims !== null && 'realm' in claims ? claims.realm : undefined
      if (typeof realm === 'string' && UUID.test(realm)) return realm
    } catch {}
    return undefined
  }
  const last = token.split('_').at(-1)
  return last !== undefined && UUID.test(last) ? last : undefined
}
