// A grant's result as the token files hold it (src/oauth/token-file.ts), made once for the
// CLI's output and the tokens page's downloads.
import type { TokenRecord } from './token-file.ts'
import { orgIdFromToken, type Person, type TokenSet } from './webex-client.ts'

export interface TokenOutput {
  tokens: TokenSet
  person?: Person
  /** The scopes asked for; shown when Webex's answer does not list the granted ones. */
  requested?: readonly string[]
  baseUrl: string
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
    person: person === undefined
      ? null
      : { id: person.id, displayName: person.displayName, emails: person.emails, orgId: person.orgId ?? orgIdFromToken(tokens.accessToken) }
  }
}
