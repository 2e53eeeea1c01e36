// A grant's result as the token files hold it (src/oauth/token-file.ts), made once for the
// CLI's output and the tokens page's downloads.
import type { IdClaims } from './id-token.ts'
import type { TokenRecord } from './token-file.ts'
import { orgIdFromToken, type Person, type TokenSet } from '../webex/resources.ts'

export interface TokenOutput {
  tokens: TokenSet
  person?: Person
  /** The scopes asked for; shown when Webex's answer does not list the granted ones. */
  requested?: readonly string[]
  baseUrl: string
  /** The verified claims of tokens.idToken. */
  idClaims?: IdClaims
  /** The client the tokens belong to, when it is not this tool's integration (a Service App). */
  clientId?: string
}

/** Verified id_token claims under their OpenID names, for the files. */
export function idClaimsRecord (claims: IdClaims): Record<string, string | boolean> {
  const out: Record<string, string | boolean | undefined> = {
    sub: claims.subject,
    iss: claims.issuer,
    email: claims.email,
    email_verified: claims.emailVerified,
    name: claims.name,
    given_name: claims.givenName,
    family_name: claims.familyName,
    phone_number: claims.phoneNumber,
    address: claims.address,
    locale: claims.locale,
    iat: claims.issuedAt?.toISOString(),
    exp: claims.expiresAt?.toISOString(),
    userinfo_problem: claims.userInfoProblem
  }
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, string | boolean] => e[1] !== undefined))
}

export function tokenRecord (out: TokenOutput): TokenRecord {
  const { tokens, person } = out
  return {
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    expires_at: tokens.expiresAt.toISOString(),
    refresh_token: tokens.refreshToken,
    refresh_token_expires_at: tokens.refreshTokenExpiresAt?.toISOString(),
    scopes: [...(tokens.grantedScopes ?? out.requested ?? [])],
    base_url: out.baseUrl,
    person:
      person === undefined
        ? null
        : {
            id: person.id,
            displayName: person.displayName,
            emails: person.emails,
            orgId: person.orgId ?? orgIdFromToken(tokens.accessToken)
          },
    ...(out.clientId === undefined ? {} : { client_id: out.clientId }),
    ...(tokens.idToken === undefined ? {} : { id_token: tokens.idToken }),
    ...(out.idClaims === undefined ? {} : { id_token_claims: idClaimsRecord(out.idClaims) })
  }
}
