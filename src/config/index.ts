// Reads the environment, then .env.local, then .env, into one frozen, validated Config.
// Nothing else in the app reads process.env.
import { errnoCode } from '../errno.ts'
import { randomBytes } from 'node:crypto'
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import * as z from 'zod'
import { splitScopeText } from '../scope-text.ts'
import { isLoopbackHost, isWildcardHost } from '../loopback.ts'
import { currentUser } from '../current-user.ts'

export const SANDBOX_CLIENT_ID = 'C0sandbox0webex0token0issuer0demo0integration'
export const SANDBOX_CLIENT_SECRET = 'sandbox-secret-not-a-real-credential'
export const SANDBOX_PATH = '/sandbox/v1'
export const DEFAULT_WEBEX_BASE_URL = 'https://webexapis.com/v1'

export type Mode = 'dynamic' | 'static'

export interface Config {
  readonly port: number
  readonly host: string
  /** True when no CLIENT_ID is configured: the embedded emulator answers for Webex. */
  readonly sandbox: boolean
  readonly clientId: string
  readonly clientSecret: string
  /** Exactly as configured: Webex compares it character for character (docs/webex-contract.md, "Authorize"). */
  readonly redirectUri: string
  /** The callback route: REDIRECT_URI's path. */
  readonly callbackPath: string
  readonly redirectOrigin: string
  /** True when REDIRECT_URI is https: cookies get Secure. */
  readonly secure: boolean
  /** Base URL the browser is sent to for /authorize. */
  readonly webexBaseUrl: string
  /** Base URL the server itself calls for tokens and people/me (differs only in sandbox mode). */
  readonly webexApiUrl: string
  readonly mode: Mode
  readonly scopes: readonly string[]
  /** ALLOW_UNKNOWN_SCOPES: a SCOPES id close to a catalogue id (a likely typo) only warns. */
  readonly allowUnknownScopes: boolean
  readonly cookieSecret: string
  readonly logLevel: string
  /**
   * What Fastify may trust in X-Forwarded-*: false, a hop count (1 = one router, as on a
   * Procfile platform), or proxy addresses/CIDRs. true (every hop) is allowed with a warning.
   */
  readonly trustProxy: boolean | number | string[]
  /** Requests per minute per client address on the routes that start or finish a flow; 0 is off. */
  readonly rateLimitPerMinute: number
  /** AUDIT_LOG: the file the server and the CLI append one JSON line per event to (src/audit.ts); off when unset. */
  readonly auditLog?: string
  /** Host names the app answers to (DNS-rebinding defence). */
  readonly allowedHosts: readonly string[]
  readonly warnings: readonly string[]
}

export class ConfigError extends Error {
  readonly problems: readonly string[]
  constructor (problems: readonly string[]) {
    super(problems.join('\n'))
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/** How the server and the CLI print a bad configuration (or catalogue): one line per problem. */
export function configErrorLines (err: Error): string[] {
  return err.message.split('\n').map((line) => `config error: ${line}`)
}

type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

function httpUrl (name: string) {
  return z.string().superRefine((value, ctx) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be an absolute URL such as http://localhost:8080/oauth (got "${value}")`
      })
      return
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `${name} must use http or https (got "${url.protocol}")` })
    }
    if (url.hash !== '' || url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: `${name} must not contain a #fragment or user:password@` })
    }
  })
}

const schema = z.object({
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'PORT must be a whole number from 0 to 65535')
    .transform(Number)
    .refine((n) => n <= 65535, 'PORT must be a whole number from 0 to 65535')
    .default(8080),
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'HOST must be an address or host name such as 127.0.0.1')
    .default('127.0.0.1'),
  CLIENT_ID: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{8,200}$/,
      "CLIENT_ID must be the integration's Client ID from the Webex developer portal (letters and digits)"
    )
    .optional(),
  CLIENT_SECRET: z.string().min(8, 'CLIENT_SECRET looks too short to be a Webex client secret').optional(),
  REDIRECT_URI: httpUrl('REDIRECT_URI').optional(),
  WEBEX_BASE_URL: httpUrl('WEBEX_BASE_URL').optional(),
  MODE: z.enum(['dynamic', 'static'], { error: 'MODE must be "dynamic" or "static"' }).default('dynamic'),
  SCOPES: z.string().max(8192, 'SCOPES is too long').optional(),
  ALLOW_UNKNOWN_SCOPES: z
    .enum(['true', 'false', '1', '0'], { error: 'ALLOW_UNKNOWN_SCOPES must be true or false' })
    .optional(),
  COOKIE_SECRET: z
    .string()
    .min(32, 'COOKIE_SECRET must be at least 32 characters (try: openssl rand -hex 32)')
    .optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  DEBUG: z.string().optional(),
  STATE: z.string().optional(),
  TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|\d{1,2}|[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*)$/,
      'TRUST_PROXY must be a hop count (1 for one router), proxy addresses or CIDRs separated by commas, false, or true'
    )
    .optional(),
  SANDBOX: z
    .enum(['public'], { error: 'SANDBOX can only be "public" (serve the sandbox on a non-loopback HOST)' })
    .optional(),
  AUDIT_LOG: z
    .string()
    .max(4096, 'AUDIT_LOG is too long')
    .refine((v) => !v.includes('\0'), 'AUDIT_LOG must be a file path')
    .optional(),
  RATE_LIMIT_PER_MINUTE: z
    .string()
    .regex(/^\d{1,6}$/, 'RATE_LIMIT_PER_MINUTE must be a whole number (0 turns rate limiting off)')
    .transform(Number)
    .default(60)
})

/** TRUST_PROXY as Fastify takes it: false, true, a hop count, or a list of addresses/CIDRs. */
function trustProxyOf (value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false' || value === '0') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  return value.split(',').map((s) => s.trim())
}

/** Merges sources, first wins; an empty value counts as unset (the old samples shipped CLIENT_ID=). */
export function mergeSources (...sources: Env[]): Env {
  const merged: Env = {}
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (merged[key] === undefined && value !== undefined && value.trim() !== '') merged[key] = value.trim()
    }
  }
  return merged
}

/**
 * Why a settings file may not be trusted, as ssh judges its keys: owned by another user (root
 * aside), writable by others, or writable by a group other than the user's own. Whoever can
 * write it can point WEBEX_BASE_URL anywhere and collect the refresh tokens and the client
 * secret sent there. Undefined when it is fine; nothing is checked where modes mean nothing.
 */
export function untrustedFile (
  name: string,
  stat: { mode: number, uid: number, gid: number },
  me: { uid: number, gid: number } | undefined
): string | undefined {
  if (me === undefined) return undefined
  if (stat.uid !== me.uid && stat.uid !== 0) {
    return `${name} belongs to another user (uid ${stat.uid}), so it was not read: whoever can change it would receive your tokens and client secret. Use a file of your own (chown), or move to a folder of your own`
  }
  if ((stat.mode & 0o002) !== 0) {
    return `${name} is writable by every user of this machine, so it was not read: run chmod o-w ${name}`
  }
  if ((stat.mode & 0o020) !== 0 && stat.gid !== me.gid) {
    return `${name} is writable by the group ${stat.gid}, so it was not read: run chmod g-w ${name}`
  }
  return undefined
}

function readDotenv (dir: string, name: string): Env {
  let fd: number
  try {
    fd = openSync(join(dir, name), 'r')
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return {}
    throw new ConfigError([`${name} could not be read: ${errnoCode(err)}`])
  }
  try {
    // Judged on the file as opened, so it cannot be swapped between the check and the read.
    const problem = untrustedFile(name, fstatSync(fd), currentUser())
    if (problem !== undefined) throw new ConfigError([problem])
    return parseDotenv(readFileSync(fd))
  } finally {
    closeSync(fd)
  }
}

/** Loads the configuration as the server and the CLI see it: environment, then .env.local, then .env. */
export function loadConfig (env: Env, dir: string): Config {
  const vars = mergeSources(env, readDotenv(dir, '.env.local'), readDotenv(dir, '.env'))
  // A relative AUDIT_LOG is relative to the folder the configuration was read from.
  if (vars.AUDIT_LOG !== undefined && !isAbsolute(vars.AUDIT_LOG)) vars.AUDIT_LOG = resolve(dir, vars.AUDIT_LOG)
  return parseConfig(vars)
}

/** Validates merged variables into a Config, or throws ConfigError with one line per problem. */
export function parseConfig (vars: Env): Config {
  const parsed = schema.safeParse(mergeSources(vars))
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'configuration')
        return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`
      })
    )
  }
  const v = parsed.data
  const problems: string[] = []
  const warnings: string[] = []
  if (v.CLIENT_ID !== undefined && v.CLIENT_SECRET === undefined) {
    problems.push('CLIENT_SECRET is missing: set it together with CLIENT_ID (put it in .env.local, never in .env)')
  }
  if (v.CLIENT_ID === undefined && v.CLIENT_SECRET !== undefined) {
    problems.push('CLIENT_ID is missing: set it together with CLIENT_SECRET, or unset both to use the sandbox')
  }
  if (v.CLIENT_ID === undefined && v.WEBEX_BASE_URL !== undefined) {
    problems.push(
      'WEBEX_BASE_URL is set but CLIENT_ID is not: set CLIENT_ID and CLIENT_SECRET, or unset WEBEX_BASE_URL to use the sandbox'
    )
  }
  if (v.CLIENT_ID !== undefined && v.WEBEX_BASE_URL !== undefined) {
    const base = new URL(v.WEBEX_BASE_URL)
    if (base.protocol === 'http:' && isLoopbackHost(base.hostname) && base.pathname.replace(/\/+$/, '') === SANDBOX_PATH) {
      problems.push(
        `WEBEX_BASE_URL ${base.origin}${SANDBOX_PATH} is a sandbox's address (a sandbox's .env download sets it), and with CLIENT_ID your client secret would go to whatever program answers there: unset WEBEX_BASE_URL for real Webex`
      )
    }
  }
  if (v.CLIENT_ID === undefined && !isLoopbackHost(v.HOST) && v.SANDBOX !== 'public') {
    problems.push(
      `HOST=${v.HOST} without CLIENT_ID would serve the sandbox (demo users, no real sign-in) to the network: set CLIENT_ID and CLIENT_SECRET for real Webex, leave HOST unset, or set SANDBOX=public if that is really wanted`
    )
  }
  if (v.MODE === 'static' && splitScopeText(v.SCOPES).length === 0) {
    problems.push('SCOPES is empty: static mode needs the scopes to request, e.g. SCOPES="spark-admin:people_read"')
  }
  if (v.REDIRECT_URI !== undefined) {
    const path = new URL(v.REDIRECT_URI).pathname
    if (
      path === '/' ||
      /^\/(sandbox|assets|healthz|start|grants|service-app|check|refresh|scopes\.json)(\/|$)/.test(path)
    ) {
      problems.push(`REDIRECT_URI's path ${path} is taken by the app itself: use a path such as /oauth`)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)

  if (v.WEBEX_BASE_URL !== undefined) {
    const base = new URL(v.WEBEX_BASE_URL)
    if (base.protocol === 'http:' && !isLoopbackHost(base.hostname)) {
      warnings.push(
        `WEBEX_BASE_URL ${base.origin} is plain http to another machine: codes, tokens and the client secret would cross the network unencrypted. Use https`
      )
    }
  }
  if (v.STATE !== undefined) warnings.push('STATE is obsolete and ignored: a fresh random state is made for every flow')
  if (v.TRUST_PROXY === 'true') {
    warnings.push(
      'TRUST_PROXY=true trusts every X-Forwarded-For hop, so any client can pick its own address and escape the rate limit: set the number of proxies instead (TRUST_PROXY=1 for one router)'
    )
  }
  const sandbox = v.CLIENT_ID === undefined
  const redirectUri = v.REDIRECT_URI ?? `http://localhost:${v.PORT}/oauth`
  const redirect = new URL(redirectUri)
  const internalHost = isWildcardHost(v.HOST) ? '127.0.0.1' : v.HOST.replace(/^\[(.*)\]$/, '$1')
  const internalOrigin = `http://${internalHost.includes(':') ? `[${internalHost}]` : internalHost}:${v.PORT}`
  const webexBaseUrl = (
    sandbox ? `${redirect.origin}${SANDBOX_PATH}` : (v.WEBEX_BASE_URL ?? DEFAULT_WEBEX_BASE_URL)
  ).replace(/\/+$/, '')

  return Object.freeze({
    port: v.PORT,
    host: v.HOST,
    sandbox,
    clientId: v.CLIENT_ID ?? SANDBOX_CLIENT_ID,
    clientSecret: v.CLIENT_SECRET ?? SANDBOX_CLIENT_SECRET,
    redirectUri,
    callbackPath: redirect.pathname,
    redirectOrigin: redirect.origin,
    secure: redirect.protocol === 'https:',
    webexBaseUrl,
    webexApiUrl: sandbox ? `${internalOrigin}${SANDBOX_PATH}` : webexBaseUrl,
    mode: v.MODE,
    scopes: Object.freeze(splitScopeText(v.SCOPES)),
    allowUnknownScopes: v.ALLOW_UNKNOWN_SCOPES === 'true' || v.ALLOW_UNKNOWN_SCOPES === '1',
    cookieSecret: v.COOKIE_SECRET ?? randomBytes(32).toString('hex'),
    logLevel: v.LOG_LEVEL ?? (v.DEBUG !== undefined && /(^|,)\s*oauth/.test(v.DEBUG) ? 'debug' : 'info'),
    trustProxy: trustProxyOf(v.TRUST_PROXY),
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
    ...(v.AUDIT_LOG === undefined ? {} : { auditLog: v.AUDIT_LOG }),
    allowedHosts: Object.freeze([
      ...new Set([
        redirect.hostname,
        'localhost',
        '127.0.0.1',
        '[::1]',
        ...(isWildcardHost(v.HOST) ? [] : [v.HOST.includes(':') && !v.HOST.startsWith('[') ? `[${v.HOST}]` : v.HOST])
      ])
    ]),
    warnings: Object.freeze(warnings)
  })
}
