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
  /** The client the tokens belong to, when it is not this tool's integration (a Service App's). */
  client_id?: string
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

/**
 * Webex's fields (expires_in counted from `now`), then expires_at, the scopes as an array, the base
 * URL and the person.
 */
export function toJsonFile (record: TokenRecord, now: number): string {
  return (
    JSON.stringify(
      {
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
        client_id: record.client_id,
        id_token: record.id_token,
        id_token_claims: record.id_token_claims
      },
      null,
      2
    ) + '\n'
  )
}

export class UnquotableValueError extends Error {
  constructor (readonly variable: string) {
    super(`${variable} holds a quote or a line break, so it cannot be written in env format`)
    this.name = 'UnquotableValueError'
  }
}

/** Single quotes: read literally by POSIX shells and by dotenv. A value that holds one is refused, never altered. */
function envLine (name: string, value: string): string {
  if (value.includes("'") || value.includes('\n') || value.includes('\r')) throw new UnquotableValueError(name)
  return `${name}='${value}'`
}

const ENV_ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)\s*=/

/**
 * A fresh env file laid over an existing one, for refreshing a file in place: each variable
 * the fresh file sets replaces its line where it stands (an `export ` prefix is kept), the
 * variables it does not set and every other line (comments, the script's own settings) stay
 * as they are, and new variables go at the end.
 */
export function mergeEnvFile (existing: string, fresh: string): string {
  const freshLines = new Map<string, string>()
  for (const line of fresh.split('\n')) {
    const match = ENV_ASSIGNMENT.exec(line)
    if (match !== null) freshLines.set(match[2] ?? '', line)
  }
  // Every line that sets a token variable is replaced, not only the first: dotenv and `source`
  // take the last, which must not be a stale token.
  const replaced = new Set<string>()
  const lines = existing
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => {
      const match = ENV_ASSIGNMENT.exec(line)
      const name = match?.[2]
      const replacement = name === undefined ? undefined : freshLines.get(name)
      if (replacement === undefined || name === undefined) return line
      replaced.add(name)
      return `${match?.[1] ?? ''}${replacement}`
    })
  return (
    [...lines, ...[...freshLines].filter(([name]) => !replaced.has(name)).map(([, line]) => line)].join('\n') + '\n'
  )
}

/** A fresh JSON token file laid over an existing one: its fields replace, every other field stays. */
export function mergeJsonFile (existing: string, fresh: string): string {
  let old: unknown
  try {
    old = JSON.parse(existing)
  } catch {
    return fresh
  }
  if (typeof old !== 'object' || old === null || Array.isArray(old)) return fresh
  const next = JSON.parse(fresh) as Record<string, unknown>
  return (
    JSON.stringify(
      { ...old, ...Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) },
      null,
      2
    ) + '\n'
  )
}

/** The names scripts read: WEBEX_ACCESS_TOKEN and friends; `source` and dotenv read them back exactly. */
export function toEnvFile (record: TokenRecord): string {
  const lines = ['# Webex tokens from webex-token-issuer. Keep this file private (chmod 600).']
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) lines.push(envLine(name, value))
  }
  add('WEBEX_ACCESS_TOKEN', record.access_token)
  add('WEBEX_ACCESS_TOKEN_EXPIRES_AT', record.expires_at)
  add('WEBEX_REFRESH_TOKEN', record.refresh_token)
  add('WEBEX_REFRESH_TOKEN_EXPIRES_AT', record.refresh_token_expires_at)
  add('WEBEX_SCOPES', record.scopes.join(' '))
  add('WEBEX_BASE_URL', record.base_url)
  add('WEBEX_CLIENT_ID', record.client_id)
  add('WEBEX_ID_TOKEN', record.id_token)
  return lines.join('\n') + '\n'
}

/**
 * A token as pasted from curl or Postman: `Bearer <token>`, or the whole
 * `Authorization: Bearer <token>` header line, is the token itself. Anything else is unchanged.
 */
export function withoutBearer (text: string): string {
  return text.trim().replace(/^(?:authorization:\s*)?bearer\s+/i, '')
}
