// The token files this tool writes: JSON and .env. One module, with no Node imports, for the
// CLI's --format json|env and the tokens page's downloads (src/browser), so both carry the
// same fields with the same quoting.

/** Everything a token file holds. Dates are ISO strings, so the page can hand it to the browser. */
export interface TokenRecord {
  access_token: string
  token_type: string
  expires_at: string
  refresh_token?: string
  refresh_token_expires_at?: string
  scopes: string[]
  base_url: string
  person: { id: string, displayName?: string, emails: string[], orgId?: string } | null
  /** The OpenID id_token, when the sign-in requested openid. */
  id_token?: string
  /** Its claims, verified before they were written (src/oauth/id-token.ts). */
  id_token_claims?: Record<string, string | boolean>
}

/** The record without its secrets: what the tokens page puts in a data attribute for the downloads. */
export type TokenRecordMeta = Omit<TokenRecord, 'access_token' | 'refresh_token' | 'id_token'>

function secondsUntil (iso: string | undefined, now: number): number | undefined {
  return iso === undefined ? undefined : Math.max(0, Math.round((Date.parse(iso) - now) / 1000))
}

/** Webex's fields (expires_in counted from `now`), then expires_at, the scopes as an array, the base URL and the person. */
export function toJsonFile (record: TokenRecord, now: number): string {
  return JSON.stringify({
    access_token: record.access_token,
    expires_in: secondsUntil(record.expires_at, now),
    refresh_token: record.refresh_token,
    refresh_token_expires_in: secondsUntil(record.refresh_token_expires_at, now),
    token_type: record.token_type,
    scope: record.scopes.join(' '),
    expires_at: record.expires_at,
    refresh_token_expires_at: record.refresh_token_expires_at,
    scopes: record.scopes,
    base_url: record.base_url,
    person: record.person,
    id_token: record.id_token,
    id_token_claims: record.id_token_claims
  }, null, 2) + '\n'
}

export class UnquotableValueError extends Error {
  constructor (readonly variable: string) {
    super(`${variable} holds a quote or a line break, so it cannot be written in env format`)
    this.name = 'UnquotableValueError'
  }
}

/** Single quotes: read literally by POSIX shells and by dotenv. A value that holds one is refused, never altered. */
function envLine (name: string, value: string): string {
  if (value.includes('\'') || value.includes('\n') || value.includes('\r')) throw new UnquotableValueError(name)
  return `${name}='${value}'`
}

/** The names scripts read: WEBEX_ACCESS_TOKEN and friends; `source` and dotenv read them back exactly. */
export function toEnvFile (record: TokenRecord): string {
  const lines = ['# Webex tokens from webex-token-issuer. Keep this file private (chmod 600).']
  const add = (name: string, value: string | undefined) => { if (value !== undefined) lines.push(envLine(name, value)) }
  add('WEBEX_ACCESS_TOKEN', record.access_token)
  add('WEBEX_ACCESS_TOKEN_EXPIRES_AT', record.expires_at)
  add('WEBEX_REFRESH_TOKEN', record.refresh_token)
  add('WEBEX_REFRESH_TOKEN_EXPIRES_AT', record.refresh_token_expires_at)
  add('WEBEX_SCOPES', record.scopes.join(' '))
  add('WEBEX_BASE_URL', record.base_url)
  add('WEBEX_ID_TOKEN', record.id_token)
  return lines.join('\n') + '\n'
}
