// Token output for scripts: json, env (dotenv and `source` read it back exactly) and text,
// and an atomic, mode-0600 file writer that will not overwrite without --force.
import { randomBytes } from 'node:crypto'
import { link, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Person, TokenSet } from '../oauth/webex-client.ts'
import { orgIdFromToken } from '../oauth/webex-client.ts'

export type Format = 'json' | 'env' | 'text'
export const FORMATS: readonly Format[] = ['json', 'env', 'text']

export interface TokenOutput {
  tokens: TokenSet
  person?: Person
  requested?: readonly string[]
  baseUrl: string
  now: number
}

function seconds (date: Date | undefined, now: number): number | undefined {
  return date === undefined ? undefined : Math.max(0, Math.round((date.getTime() - now) / 1000))
}

/** Webex's fields, plus expires_at, refresh_token_expires_at, a scopes array and the person. */
export function toJson (out: TokenOutput): string {
  const { tokens, person, now } = out
  const scopes = tokens.grantedScopes ?? [...(out.requested ?? [])]
  return JSON.stringify({
    access_token: tokens.accessToken,
    expires_in: seconds(tokens.expiresAt, now),
    refresh_token: tokens.refreshToken,
    refresh_token_expires_in: seconds(tokens.refreshTokenExpiresAt, now),
    token_type: tokens.tokenType,
    scope: scopes.join(' '),
    expires_at: tokens.expiresAt.toISOString(),
    refresh_token_expires_at: tokens.refreshTokenExpiresAt?.toISOString(),
    scopes,
    base_url: out.baseUrl,
    person: person === undefined
      ? null
      : { id: person.id, displayName: person.displayName, emails: person.emails, orgId: person.orgId ?? orgIdFromToken(tokens.accessToken) }
  }, null, 2) + '\n'
}

/** Single quotes: read literally by POSIX shells and by dotenv. No value we write can hold one. */
function quote (name: string, value: string): string {
  if (value.includes('\'') || value.includes('\n')) throw new Error(`${name} cannot be written in env format`)
  return `${name}='${value}'`
}

export function toEnv (out: TokenOutput): string {
  const { tokens } = out
  const lines = ['# Webex tokens from webex-token-issuer. Keep this file private.']
  const add = (name: string, value: string | undefined) => { if (value !== undefined) lines.push(quote(name, value)) }
  add('WEBEX_ACCESS_TOKEN', tokens.accessToken)
  add('WEBEX_ACCESS_TOKEN_EXPIRES_AT', tokens.expiresAt.toISOString())
  add('WEBEX_REFRESH_TOKEN', tokens.refreshToken)
  add('WEBEX_REFRESH_TOKEN_EXPIRES_AT', tokens.refreshTokenExpiresAt?.toISOString())
  add('WEBEX_SCOPES', (tokens.grantedScopes ?? out.requested ?? []).join(' '))
  add('WEBEX_BASE_URL', out.baseUrl)
  return lines.join('\n') + '\n'
}

export function toText (out: TokenOutput): string {
  const { tokens, person } = out
  const lines = [
    `Access token:   ${tokens.accessToken}`,
    `  expires:      ${tokens.expiresAt.toISOString()}`
  ]
  if (tokens.refreshToken !== undefined) {
    lines.push(`Refresh token:  ${tokens.refreshToken}`)
    if (tokens.refreshTokenExpiresAt !== undefined) lines.push(`  expires:      ${tokens.refreshTokenExpiresAt.toISOString()}`)
  }
  lines.push(`Scopes:         ${(tokens.grantedScopes ?? out.requested ?? []).join(' ')}`)
  if (person !== undefined) lines.push(`Person:         ${person.displayName ?? ''} <${person.emails[0] ?? ''}>`)
  const orgId = person?.orgId ?? orgIdFromToken(tokens.accessToken)
  if (orgId !== undefined) lines.push(`Org ID:         ${orgId}`)
  return lines.join('\n') + '\n'
}

export function formatTokens (format: Format, out: TokenOutput): string {
  return format === 'json' ? toJson(out) : format === 'env' ? toEnv(out) : toText(out)
}

export class OutputExistsError extends Error {
  constructor (readonly path: string) {
    super(`${path} already exists: pass --force to overwrite it`)
    this.name = 'OutputExistsError'
  }
}

/**
 * Writes a file atomically with mode 0600: a private temporary file beside it, then a
 * hard link (which fails if the target exists) or, with force, a rename over it.
 */
export async function writePrivateFile (path: string, text: string, force: boolean): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx', 0o600)
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    if (force) {
      await rename(temp, path)
      return
    }
    try {
      await link(temp, path)
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === 'EEXIST') throw new OutputExistsError(path)
      throw err
    }
    await unlink(temp)
  } catch (err) {
    await unlink(temp).catch(() => {})
    throw err
  }
}
