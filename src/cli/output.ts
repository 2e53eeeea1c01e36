// Token output for scripts: json and env (src/oauth/token-file.ts), text,
// and an atomic, mode-0600 file writer that will not overwrite without --force.
import { errnoCode } from '../errno.ts'
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, link, lstat, mkdtemp, open, rename, stat, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { toEnvFile, toJsonFile } from '../oauth/token-file.ts'
import { tokenRecord, type TokenOutput } from '../oauth/token-record.ts'
import { jsonSafe, terminalSafe } from './terminal-safe.ts'
import { orgIdFromToken } from '../webex/resources.ts'

export type Format = 'json' | 'env' | 'text' | 'token'
export const FORMATS: readonly Format[] = ['json', 'env', 'text', 'token']

/** The tokens in the chosen format; json and env are the same files the tokens page downloads. */
export function formatTokens (format: Format, out: TokenOutput, now: number): string {
  if (format === 'json') return jsonSafe(toJsonFile(tokenRecord(out), now))
  if (format === 'env') return toEnvFile(tokenRecord(out))
  // The access token and a newline, nothing else: TOKEN=$(webex-token-issuer token --format token).
  if (format === 'token') return `${out.tokens.accessToken}\n`
  return terminalSafe(toText(out))
}

export function toText (out: TokenOutput): string {
  const { tokens, person } = out
  const lines = [`Access token:   ${tokens.accessToken}`, `  expires:      ${tokens.expiresAt.toISOString()}`]
  if (tokens.refreshToken !== undefined) {
    lines.push(`Refresh token:  ${tokens.refreshToken}`)
    if (tokens.refreshTokenExpiresAt !== undefined) {
      lines.push(`  expires:      ${tokens.refreshTokenExpiresAt.toISOString()}`)
    }
  }
  lines.push(`Scopes:         ${(tokens.grantedScopes ?? out.requested ?? []).join(' ')}`)
  if (person !== undefined) lines.push(`Person:         ${person.displayName ?? ''} <${person.emails[0] ?? ''}>`)
  const orgId = person?.orgId ?? orgIdFromToken(tokens.accessToken)
  if (orgId !== undefined) lines.push(`Org ID:         ${orgId}`)
  if (tokens.idToken !== undefined) lines.push(`ID token:       ${tokens.idToken}`)
  if (out.idClaims !== undefined) {
    const claims = out.idClaims
    lines.push(`  verified:     sub ${claims.subject}, issuer ${claims.issuer}`)
    const shared: Array<[string, string | undefined]> = [
      [
        'email',
        claims.email === undefined ? undefined : `${claims.email}${claims.emailVerified === true ? ' (verified)' : ''}`
      ],
      ['name', claims.name],
      ['phone', claims.phoneNumber],
      ['address', claims.address],
      ['locale', claims.locale]
    ]
    for (const [name, value] of shared) if (value !== undefined) lines.push(`  ${`${name}:`.padEnd(14)}${value}`)
    if (claims.userInfoProblem !== undefined) lines.push(`  userinfo:     ${claims.userInfoProblem}`)
  }
  return lines.join('\n') + '\n'
}

/**
 * Why --out cannot be written, checked before anything irreversible (a sign-in, a refresh), so a
 * finished sign-in never meets a destination that refuses it: the folder must exist and be
 * writable, and an existing file needs --force. Undefined when it can be written.
 */
export async function destinationProblem (path: string, force: boolean): Promise<string | undefined> {
  const folder = dirname(resolve(path))
  const dir = await stat(folder).catch(() => undefined)
  if (dir === undefined) return `--out ${path}: the folder ${folder} does not exist`
  if (!dir.isDirectory()) return `--out ${path}: ${folder} is not a folder`
  try {
    await access(folder, constants.W_OK)
  } catch {
    return `--out ${path}: the folder ${folder} is not writable`
  }
  const existing = await lstat(path).catch(() => undefined)
  if (existing?.isDirectory() === true) return `--out ${path} is a folder: name a file`
  // Replacing a link with a file would leave the old tokens in the link's target; writing
  // through it would put tokens wherever the link points. Neither: the file itself is named.
  if (existing?.isSymbolicLink() === true) return `--out ${path} is a symbolic link: name the file itself`
  if (existing !== undefined && !force) return `${path} already exists: pass --force to overwrite it`
  return undefined
}

/**
 * Where tokens go when --out could not be written after all (a folder removed meanwhile, a full
 * disk): a new private folder (mode 0700) in the system's temporary folder, a file of mode 0600.
 */
export async function writeRescueFile (text: string, extension: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'webex-token-issuer-'))
  const path = join(folder, `tokens.${extension}`)
  await writePrivateFile(path, text, false)
  return path
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
      if (errnoCode(err) === 'EEXIST') throw new OutputExistsError(path)
      throw err
    }
    await unlink(temp)
  } catch (err) {
    await unlink(temp).catch(() => {})
    throw err
  }
}
