// The audit trail: with AUDIT_LOG set, the server and the CLI append one JSON line per event
// (a token issued, refreshed or checked, a grant revoked) to a file created with mode 0600.
// A line names who, which org, which client, which scopes and when things expire, and a
// short SHA-256 fingerprint of each token: never a token, a code or a secret.
import { errnoCode } from './errno.ts'
import { createHash } from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import * as z from 'zod'
import { ConfigError, untrustedFile } from './config/index.ts'
import { currentUser } from './current-user.ts'
import { orgIdFromToken, type Person, type TokenSet } from './webex/resources.ts'

export const AUDIT_EVENTS = [
  'token_issued',
  'token_refreshed',
  'token_checked',
  'service_app_token_issued',
  'grant_revoked'
] as const
export type AuditEventName = (typeof AUDIT_EVENTS)[number]

const entrySchema = z.object({
  time: z.iso.datetime({ offset: true }),
  event: z.enum(AUDIT_EVENTS),
  via: z.enum(['web', 'cli']),
  /** Why the token was asked for: tokens to hand out, or the Grants page's own sign-in. */
  purpose: z.enum(['tokens', 'grants', 'service-app']).optional(),
  person_id: z.string().optional(),
  person_email: z.string().optional(),
  org_id: z.string().optional(),
  client_id: z.string(),
  scopes: z.array(z.string()).optional(),
  expires_at: z.string().optional(),
  refresh_token_expires_at: z.string().optional(),
  tracking_id: z.string().optional(),
  access_token_fingerprint: z.string().optional(),
  refresh_token_fingerprint: z.string().optional(),
  /** For grant_revoked: what was revoked. */
  revoked: z
    .object({
      authorization_id: z.string().optional(),
      client_id: z.string().optional(),
      application_name: z.string().optional(),
      type: z.string().optional(),
      person_email: z.string().optional(),
      org_id: z.string().optional()
    })
    .optional()
})

export type AuditEntry = z.infer<typeof entrySchema>

/** The first 16 hex digits of a token's SHA-256: enough to match a token someone holds, useless to use one. */
export function fingerprint (token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`
}

/** What an audit line says about tokens that were issued, refreshed or checked. */
export function tokenEntry (input: {
  event: AuditEventName
  via: 'web' | 'cli'
  clientId: string
  tokens?: TokenSet
  accessToken?: string
  person?: Person
  requested?: readonly string[]
  purpose?: 'tokens' | 'grants' | 'service-app'
  trackingId?: string
  now: number
}): AuditEntry {
  const { tokens, person } = input
  const accessToken = tokens?.accessToken ?? input.accessToken
  const scopes = tokens?.grantedScopes ?? input.requested
  return {
    time: new Date(input.now).toISOString(),
    event: input.event,
    via: input.via,
    client_id: input.clientId,
    ...definedOnly({
      purpose: input.purpose,
      person_id: person?.id,
      person_email: person?.emails[0],
      org_id: person?.orgId ?? (accessToken === undefined ? undefined : orgIdFromToken(accessToken)),
      scopes: scopes === undefined ? undefined : [...scopes],
      expires_at: tokens?.expiresAt.toISOString(),
      refresh_token_expires_at: tokens?.refreshTokenExpiresAt?.toISOString(),
      tracking_id: tokens?.trackingId ?? input.trackingId,
      access_token_fingerprint: accessToken === undefined ? undefined : fingerprint(accessToken),
      refresh_token_fingerprint: tokens?.refreshToken === undefined ? undefined : fingerprint(tokens.refreshToken)
    })
  }
}

/** What an audit line says about a revocation, and who asked for it. */
export function revokeEntry (input: {
  via: 'web' | 'cli'
  clientId: string
  admin?: Person
  adminToken: string
  revoked: NonNullable<AuditEntry['revoked']>
  trackingId?: string
  now: number
}): AuditEntry {
  return {
    time: new Date(input.now).toISOString(),
    event: 'grant_revoked',
    via: input.via,
    client_id: input.clientId,
    ...definedOnly({
      person_id: input.admin?.id,
      person_email: input.admin?.emails[0],
      org_id: input.admin?.orgId ?? orgIdFromToken(input.adminToken),
      tracking_id: input.trackingId
    }),
    access_token_fingerprint: fingerprint(input.adminToken),
    revoked: input.revoked
  }
}

/** The object without its undefined fields, as the audit lines leave out what is not known. */
export function definedOnly<T extends Record<string, unknown>> (
  value: T
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
}

/** Append, create with mode 0600, and never through a symbolic link (O_NOFOLLOW, where the system has it). */
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0)

export class AuditLog {
  readonly path: string
  private constructor (path: string) {
    this.path = path
  }

  /**
   * Opens the audit file for appending, creating it with mode 0600, so a path that cannot be
   * written stops start-up (exit 78) instead of losing the first event.
   */
  static open (path: string): AuditLog {
    let fd: number
    try {
      fd = openSync(path, APPEND_FLAGS, 0o600)
    } catch (err) {
      const code = errnoCode(err)
      if (code === 'ELOOP') {
        throw new ConfigError([`AUDIT_LOG ${path} is a symbolic link, so it was not used: name the file itself`])
      }
      throw new ConfigError([
        `AUDIT_LOG ${path} cannot be written (${code}): point it at a file in a folder this user can write`
      ])
    }
    try {
      // A trail someone else can rewrite proves nothing: judged as the settings files are.
      const problem = untrustedFile(`AUDIT_LOG ${path}`, fstatSync(fd), currentUser())
      if (problem !== undefined) throw new ConfigError([problem.replace('so it was not read', 'so it was not used')])
    } finally {
      closeSync(fd)
    }
    return new AuditLog(path)
  }

  /**
   * Appends one line. The file is opened with O_APPEND and the line written in one call, so
   * lines from the server and CLI runs beside it never interleave.
   */
  async append (entry: AuditEntry): Promise<void> {
    await appendFile(this.path, JSON.stringify(entry) + '\n', { mode: 0o600, flag: APPEND_FLAGS })
  }
}

/** The audit file's events since a time, oldest first; lines that are not audit entries are counted, not fatal. */
export function readAudit (path: string, since?: Date): { entries: AuditEntry[], unreadable: number } {
  const entries: AuditEntry[] = []
  let unreadable = 0
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    let parsed: z.ZodSafeParseResult<AuditEntry>
    try {
      parsed = entrySchema.safeParse(JSON.parse(line))
    } catch {
      unreadable++
      continue
    }
    if (!parsed.success) {
      unreadable++
      continue
    }
    if (since === undefined || Date.parse(parsed.data.time) >= since.getTime()) entries.push(parsed.data)
  }
  return { entries, unreadable }
}

/** The entries as a table for a terminal: one row per event. */
export function auditTable (entries: readonly AuditEntry[]): string {
  const rows = entries.map((e) => [
    e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    e.event,
    e.via,
    e.person_email ?? e.person_id ?? '',
    e.event === 'grant_revoked'
      ? `revoked ${e.revoked?.authorization_id !== undefined ? `grant ${shorten(e.revoked.authorization_id)}` : `client ${e.revoked?.client_id ?? '?'}`}${e.revoked?.application_name === undefined ? '' : ` (${e.revoked.application_name})`}`
      : (e.scopes ?? []).join(' '),
    e.expires_at?.replace('T', ' ').replace(/\.\d+Z$/, 'Z') ?? '',
    e.access_token_fingerprint ?? ''
  ])
  const header = ['TIME', 'EVENT', 'VIA', 'WHO', 'SCOPES / WHAT', 'EXPIRES', 'TOKEN']
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))))
  return (
    [header, ...rows]
      .map((r) =>
        r
          .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd()
      )
      .join('\n') + '\n'
  )
}

function shorten (id: string): string {
  return id.length > 24 ? `${id.slice(0, 10)}…${id.slice(-10)}` : id
}
