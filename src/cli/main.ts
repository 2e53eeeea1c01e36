// The `webex-token-issuer` command: token, refresh, whoami, grants, audit, scopes, serve. Only tokens and lists go to
// stdout; progress and errors go to stderr; exit codes follow the error catalogue.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { CatalogueError, FAMILIES, likelyRoleCause, loadCatalogue, roleGroups, type Catalogue } from '../catalogue/index.ts'
import { splitScopeText } from '../catalogue/rules.ts'
import { scopeListProblems } from '../catalogue/static-scopes.ts'
import { LOGIN_HINT } from '../oauth/flow.ts'
import { ConfigError, loadConfig, type Config } from '../config/index.ts'
import { AppError, ERRORS, EXIT, exitCodeHelp } from '../oauth/errors.ts'
import { createWebexClient, orgIdFromToken } from '../oauth/webex-client.ts'
import type { TokenOutput } from '../oauth/token-record.ts'
import { SCOPES_DIR } from '../paths.ts'
import { FORMATS, formatTokens, OutputExistsError, writePrivateFile, type Format } from './output.ts'
import { UnquotableValueError } from '../oauth/token-file.ts'
import { parseHeldTokens, readInputFile, readStdin, type HeldTokens } from './input.ts'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { mergeEnvFile, mergeJsonFile } from '../oauth/token-file.ts'
import { PortInUseError, runTokenFlow } from './token.ts'
import { deviceScopeProblem, runDeviceFlow } from './device.ts'
import { Terminal } from './terminal.ts'
import { AuditLog, auditTable, readAudit, tokenEntry, revokeEntry, type AuditEntry } from '../audit.ts'
import { GRANTS_PRESET_ID, presetScopes } from '../oauth/grants.ts'
import type { ClientCredentials, DeviceAuthorization, Person, WebexClient } from '../oauth/webex-client.ts'
import { confirmOnTerminal, formatGrants, revokeDescription, type GrantsFormat } from './grants.ts'

export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream | NodeJS.WritableStream
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
  cwd: string
  /** Opens the system browser; rejects when none can be opened. */
  openBrowser: (url: string) => Promise<void>
}

class ExitError extends Error {
  constructor (readonly code: number, message: string) {
    super(message)
  }
}

function parseFormat (value: string): Format {
  const format = FORMATS.find((f) => f === value)
  if (format === undefined) throw new InvalidArgumentError(`choose one of ${FORMATS.join(', ')}`)
  return format
}

function parseLoginHint (value: string): string {
  const parsed = LOGIN_HINT.safeParse(value.trim())
  if (!parsed.success) throw new InvalidArgumentError('one email address, such as admin@example.com')
  return parsed.data
}

function parseSeconds (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 86_400) throw new InvalidArgumentError('a whole number of seconds from 1 to 86400')
  return n
}

function load (io: CliIo): { config: Config, catalogue: Catalogue, audit?: AuditLog } {
  try {
    const config = loadConfig(io.env, io.cwd)
    const catalogue = loadCatalogue(SCOPES_DIR)
    return { config, catalogue, ...(config.auditLog === undefined ? {} : { audit: AuditLog.open(config.auditLog) }) }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof CatalogueError) throw new ExitError(EXIT.config, err.message.split('\n').map((l) => `config error: ${l}`).join('\n'))
    throw err
  }
}

/**
 * Writes the tokens to stdout or --out. With `merge` (refresh), an existing --out is updated:
 * the token fields replaced, every other line or field kept.
 */
async function emit (io: CliIo, term: Terminal, format: Format, output: TokenOutput, out: string | undefined, force: boolean, merge = false): Promise<void> {
  let text: string
  try {
    text = formatTokens(format, output, Date.now())
  } catch (err) {
    if (err instanceof UnquotableValueError) throw new ExitError(EXIT.failure, `${err.message}: use --format json`)
    throw err
  }
  if (out !== undefined && merge && force && format !== 'text') {
    const existing = await readFile(out, 'utf8').catch(() => undefined)
    if (existing !== undefined) text = format === 'env' ? mergeEnvFile(existing, text) : mergeJsonFile(existing, text)
  }
  if (out === undefined) {
    io.stdout.write(text)
    return
  }
  try {
    await writePrivateFile(out, text, force)
  } catch (err) {
    if (err instanceof OutputExistsError) throw new ExitError(EXIT.usage, err.message)
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unknown error'
    throw new ExitError(EXIT.failure, `could not write ${out} (${code})`)
  }
  term.info(`wrote ${out} (mode 0600)`)
}

/** The format of an existing token file (JSON or env), else the one its name suggests. */
async function existingFormat (path: string | undefined): Promise<Format | undefined> {
  if (path === undefined) return undefined
  const text = await readFile(path, 'utf8').catch(() => undefined)
  if (text !== undefined) return text.trimStart().startsWith('{') ? 'json' : 'env'
  if (path.endsWith('.json')) return 'json'
  if (path.endsWith('.env') || basename(path).startsWith('.env')) return 'env'
  return undefined
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

function parseDuration (value: string): number {
  const match = /^(\d{1,5})([smhd])$/.exec(value.trim())
  if (match === null) throw new InvalidArgumentError('a number and a unit: 30m, 12h, 3d')
  return Number(match[1]) * (DURATION_UNITS[match[2] ?? 'd'] ?? 0)
}

function formatDuration (ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`
  return `${ms / 1000}s`
}

/** Appends an audit line when AUDIT_LOG is set; a failed write is a warning, as the tokens exist either way. */
async function record (term: Terminal, audit: AuditLog | undefined, entry: AuditEntry): Promise<void> {
  if (audit === undefined) return
  try {
    await audit.append(entry)
  } catch (err) {
    term.info(`warning: could not append to AUDIT_LOG ${audit.path} (${err instanceof Error && 'code' in err ? String(err.code) : 'unknown error'}): this event is missing from the audit trail`)
  }
}

function parseSince (value: string): Date {
  const relative = /^(\d{1,4})([dh])$/.exec(value.trim())
  if (relative !== null) return new Date(Date.now() - Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000))
  const date = Date.parse(value)
  if (Number.isNaN(date)) throw new InvalidArgumentError('a date such as 2026-11-01 or 2026-11-01T09:00Z, or an age such as 7d or 12h')
  return new Date(date)
}

/** Says where the sign-in happens: opens the browser when there is a display, else prints the URL. */
function announceSignIn (io: CliIo, term: Terminal, config: Config, browser: boolean) {
  const display = io.env.DISPLAY !== undefined || io.env.WAYLAND_DISPLAY !== undefined || process.platform === 'darwin' || process.platform === 'win32'
  return async (url: string): Promise<void> => {
    if (config.sandbox) term.info('SANDBOX mode (no CLIENT_ID set): the sign-in goes to the embedded Webex emulator.')
    if (browser && display) {
      try {
        await io.openBrowser(url)
        term.info('Opened the browser for the Webex sign-in. If it did not appear, open this URL:')
      } catch {
        term.info('Could not open a browser. Open this URL to sign in:')
      }
    } else {
      term.info('Open this URL in a browser to sign in:')
    }
    term.url(url)
    term.progress(`Waiting for the sign-in to come back to ${config.redirectUri} (Ctrl-C to stop)…`)
  }
}

/**
 * A token the command needs, from the safe places first: --in FILE, the environment
 * (WEBEX_ACCESS_TOKEN / WEBEX_REFRESH_TOKEN), stdin. The old flag still works, with a warning:
 * argv is visible to every user of the machine in `ps`.
 */
async function heldTokens (io: CliIo, term: Terminal, flag: { name: string, value: string | undefined } | undefined, file: string | undefined, bareIs: 'access' | 'refresh'): Promise<HeldTokens> {
  const variable = bareIs === 'access' ? 'WEBEX_ACCESS_TOKEN' : 'WEBEX_REFRESH_TOKEN'
  if (flag?.value !== undefined) {
    term.info(`warning: ${flag.name} puts the token in the process list, where every user of this machine can read it; pass it on stdin, with --in FILE, or in ${variable} instead`)
    return parseHeldTokens(flag.value, bareIs)
  }
  if (file !== undefined) return parseHeldTokens(await readInputFile(file), bareIs)
  const fromEnv = io.env[variable]
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const held = parseHeldTokens(fromEnv, bareIs)
    const expiry = bareIs === 'refresh' ? Date.parse(io.env.WEBEX_REFRESH_TOKEN_EXPIRES_AT ?? '') : Number.NaN
    return Number.isNaN(expiry) ? held : { ...held, refreshTokenExpiresAt: new Date(expiry) }
  }
  return parseHeldTokens(await readStdin(io.stdin), bareIs)
}

export function buildProgram (io: CliIo, signal: AbortSignal, term: Terminal): Command {
  const program = new Command('webex-token-issuer')
    .description('Get Webex OAuth tokens with exactly the scopes you need.')
    .version('0.1.0')
    .addHelpText('after', exitCodeHelp())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')

  /**
   * The credentials for refreshing a Service App's tokens: its client id (flag, or the token
   * file's when it is not CLIENT_ID) and its secret from --client-secret-file or stdin, never
   * a flag value. undefined for this tool's own tokens.
   */
  async function serviceAppClient (opts: { clientId?: string, clientSecretFile?: string }, held: HeldTokens, config: Config, stdinFree: boolean): Promise<ClientCredentials | undefined> {
    const clientId = opts.clientId ?? (held.clientId !== undefined && held.clientId !== config.clientId ? held.clientId : undefined)
    if (clientId === undefined) {
      if (opts.clientSecretFile !== undefined) throw new ExitError(EXIT.usage, '--client-secret-file goes with a Service App\'s --client-id')
      return undefined
    }
    let secret: string
    if (opts.clientSecretFile !== undefined) secret = await readInputFile(opts.clientSecretFile)
    else if (stdinFree && io.stdin.isTTY !== true) secret = await readStdin(io.stdin)
    else throw new ExitError(EXIT.usage, `refreshing client ${clientId}'s tokens needs its client secret: pass --client-secret-file FILE${stdinFree ? ' or pipe it on stdin' : ' (stdin holds the refresh token)'}`)
    if (secret.trim() === '') throw new ExitError(EXIT.usage, 'the client secret is empty')
    return { clientId, clientSecret: secret.trim() }
  }

  /** The device grant's code for the person: the URL, the code, and the complete URL as text and as a QR code. */
  async function showDeviceCode (authorization: DeviceAuthorization, config: Config): Promise<void> {
    if (config.sandbox) term.info('SANDBOX mode (no CLIENT_ID set): the code is for the embedded Webex emulator.')
    term.info('To sign in, open this URL on any device with a browser:')
    term.url(authorization.verificationUri)
    term.info(`and enter the code ${authorization.userCode}`)
    const complete = authorization.verificationUriComplete
    if (complete !== undefined) {
      term.info('Or open this URL, or scan the QR code, which carry the code:')
      term.url(complete)
      // Loaded only here, so the other commands start without it.
      const { renderUnicodeCompact } = await import('uqr')
      io.stderr.write(renderUnicodeCompact(complete, { border: 2 }) + '\n')
    }
    term.progress(`Waiting for the approval (the code expires in ${Math.round(authorization.expiresInS / 60)} minutes; Ctrl-C to stop)…`)
  }

  const formatOption = () => new Option('--format <format>', 'json, env or text').default('json').argParser(parseFormat)

  program.command('token')
    .description('Run the sign-in on a loopback server at REDIRECT_URI\'s port and print the tokens.')
    .option('--scopes <scopes>', 'scopes to request, space- or comma-separated (default: SCOPES)')
    .addOption(formatOption())
    .option('--out <file>', 'write the tokens to FILE (mode 0600) instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .option('--select-account', 'let the person choose the Webex account (prompt=select_account; the default)')
    .option('--no-select-account', 'let Webex reuse the account the browser is signed in with')
    .option('--login-hint <email>', 'prefill this email on the Webex sign-in page', parseLoginHint)
    .option('--device', 'sign in on another device (the device grant), for machines without a browser: prints a URL, a code and a QR code')
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the browser (or, with --device, for the approval)').default(300).argParser(parseSeconds))
    .addHelpText('after', exitCodeHelp())
    .action(async (opts: { scopes?: string, format: Format, out?: string, force?: boolean, browser: boolean, selectAccount?: boolean, loginHint?: string, device?: boolean, timeout: number }) => {
      const { config, catalogue, audit } = load(io)
      const scopes = opts.scopes === undefined ? [...config.scopes] : splitScopeText(opts.scopes)
      if (scopes.length === 0) throw new ExitError(EXIT.usage, 'no scopes: pass --scopes "spark-admin:people_read …" or set SCOPES')
      const fromSetting = opts.scopes === undefined
      const { problems, warnings } = scopeListProblems(catalogue, scopes, fromSetting ? 'SCOPES' : '--scopes', config.allowUnknownScopes)
      if (problems.length > 0) throw new ExitError(fromSetting ? EXIT.config : EXIT.usage, problems.map((p) => `${fromSetting ? 'config error' : 'error'}: ${p}`).join('\n'))
      for (const warning of warnings) term.info(`warning: ${warning}`)
      if (opts.device === true) {
        const problem = deviceScopeProblem(scopes)
        if (problem !== undefined) throw new ExitError(EXIT.usage, problem)
      }
      const result = opts.device === true
        ? await runDeviceFlow({ config, scopes, timeoutMs: opts.timeout * 1000, signal, onCode: async (authorization) => { await showDeviceCode(authorization, config) } })
        : await runTokenFlow({
          config,
          catalogue,
          scopes,
          account: { selectAccount: opts.selectAccount !== false, ...(opts.loginHint === undefined ? {} : { loginHint: opts.loginHint }) },
          timeoutMs: opts.timeout * 1000,
          signal,
          onAuthorizeUrl: announceSignIn(io, term, config, opts.browser)
        })
      await record(term, audit, tokenEntry({ event: 'token_issued', via: 'cli', purpose: 'tokens', clientId: config.clientId, tokens: result.tokens, person: result.person, requested: result.requested, now: Date.now() }))
      term.done('Signed in.')
      await emit(io, term, opts.format, { ...result, baseUrl: config.webexBaseUrl }, opts.out, opts.force === true)
    })

  program.command('refresh')
    .description('Run the refresh grant. The refresh token comes from --in FILE, WEBEX_REFRESH_TOKEN, or stdin.')
    .option('--refresh-token <token>', 'the refresh token (deprecated: visible in ps; use stdin, --in or WEBEX_REFRESH_TOKEN)')
    .option('--in <file>', 'a file written by `token --out` (json or env)')
    .addOption(new Option('--format <format>', 'json, env or text (default: the format of an existing --out, else json)').argParser(parseFormat))
    .option('--out <file>', 'write the tokens to FILE (mode 0600) instead of stdout; with --force an existing file is updated, its other lines kept')
    .option('--force', 'overwrite --out if it exists')
    .option('--if-expiring-within <duration>', 'refresh only when the access token expires within this window (30m, 12h, 3d); otherwise exit 0 and touch nothing', parseDuration)
    .option('--client-id <clientId>', 'refresh a Service App\'s tokens with its client id (default: the input file\'s client id, else CLIENT_ID)')
    .option('--client-secret-file <file>', 'the Service App\'s client secret, read from FILE (else from stdin)')
    .addHelpText('after', '\nFor cron: `refresh --in webex.env --out webex.env --force --if-expiring-within 3d` exits 0 when it refreshed or when nothing was due (stderr says which), 6 when the refresh token has expired or was revoked (a new sign-in is needed), 8 when Webex could not be reached (try again later).' + exitCodeHelp())
    .action(async (opts: { refreshToken?: string, in?: string, format?: Format, out?: string, force?: boolean, ifExpiringWithin?: number, clientId?: string, clientSecretFile?: string }) => {
      const { config, audit } = load(io)
      const held = await heldTokens(io, term, { name: '--refresh-token', value: opts.refreshToken }, opts.in, 'refresh')
      if (held.refreshToken === undefined) throw new ExitError(EXIT.usage, 'the input holds no refresh token')
      const now = Date.now()
      if (opts.ifExpiringWithin !== undefined) {
        const expires = held.accessTokenExpiresAt
        if (expires === undefined) {
          term.info('the input does not say when the access token expires, so it is refreshed now')
        } else if (expires.getTime() - now > opts.ifExpiringWithin) {
          term.info(`not due: the access token expires ${expires.toISOString()}, after the ${formatDuration(opts.ifExpiringWithin)} window; nothing was changed`)
          return
        }
      }
      if (held.refreshTokenExpiresAt !== undefined && held.refreshTokenExpiresAt.getTime() <= now) {
        throw new AppError('invalid_grant', { reason: `The refresh token expired at ${held.refreshTokenExpiresAt.toISOString()}: a new sign-in is needed (webex-token-issuer token --out …).` })
      }
      if (config.sandbox) throw new AppError('sandbox_token')
      const client = await serviceAppClient(opts, held, config, opts.in !== undefined || (io.env.WEBEX_REFRESH_TOKEN ?? '').trim() !== '')
      const webex = createWebexClient({ baseUrl: config.webexApiUrl, clientId: config.clientId, clientSecret: config.clientSecret })
      try {
        term.progress('Refreshing…')
        const tokens = await webex.refresh(held.refreshToken, held.refreshTokenExpiresAt, client)
        if (tokens.refreshTokenKept === true) term.info('Webex sent no new refresh token; the one you had stays valid.')
        // Whose token it is, as `token` and the tokens page say; a failure only leaves it out.
        const person = await webex.getMe(tokens.accessToken).catch((err: unknown) => { if (err instanceof AppError) return undefined; throw err })
        const clientId = client?.clientId ?? config.clientId
        await record(term, audit, tokenEntry({ event: 'token_refreshed', via: 'cli', clientId, tokens, person, now: Date.now() }))
        term.done('Refreshed.')
        const soon = tokens.refreshTokenExpiresAt
        if (opts.ifExpiringWithin !== undefined && soon !== undefined && soon.getTime() - Date.now() <= opts.ifExpiringWithin) {
          term.info(`warning: the refresh token expires ${soon.toISOString()}, within the window: sign in again before then`)
        }
        const format = opts.format ?? await existingFormat(opts.out) ?? 'json'
        await emit(io, term, format, { tokens, person, baseUrl: config.webexBaseUrl, ...(client === undefined ? {} : { clientId }) }, opts.out, opts.force === true, true)
      } finally {
        await webex.close()
      }
    })

  program.command('whoami')
    .description('Show whom an access token belongs to (people/me). The token comes from --in FILE, WEBEX_ACCESS_TOKEN, or stdin.')
    .option('--token <token>', 'the access token (deprecated: visible in ps; use stdin, --in or WEBEX_ACCESS_TOKEN)')
    .option('--in <file>', 'a file written by `token --out` (json or env)')
    .option('--json', 'print JSON')
    .addHelpText('after', exitCodeHelp())
    .action(async (opts: { token?: string, in?: string, json?: boolean }) => {
      const { config, audit } = load(io)
      if (config.sandbox) throw new AppError('sandbox_token')
      const held = await heldTokens(io, term, { name: '--token', value: opts.token }, opts.in, 'access')
      if (held.accessToken === undefined) throw new ExitError(EXIT.usage, 'the input holds no access token')
      const webex = createWebexClient({ baseUrl: config.webexApiUrl, clientId: config.clientId, clientSecret: config.clientSecret })
      try {
        const me = await webex.getMe(held.accessToken)
        await record(term, audit, tokenEntry({ event: 'token_checked', via: 'cli', clientId: config.clientId, accessToken: held.accessToken, person: me, now: Date.now() }))
        const summary = { id: me.id, displayName: me.displayName, emails: me.emails, orgId: me.orgId ?? orgIdFromToken(held.accessToken), type: me.type }
        io.stdout.write(opts.json === true
          ? JSON.stringify(summary, null, 2) + '\n'
          : `${summary.displayName ?? ''} <${summary.emails[0] ?? ''}>\norg ${summary.orgId ?? 'unknown'}\n`)
      } finally {
        await webex.close()
      }
    })

  interface AdminTokenOptions { tokenFile?: string, signIn?: boolean, browser: boolean, timeout: number }
  const adminTokenOptions = (command: Command) => command
    .option('--token-file <file>', 'the admin\'s access token: a file written by `token --out` (json or env), or the bare token')
    .option('--sign-in', 'sign in for the scopes this command needs even when a token could be read')
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the browser').default(300).argParser(parseSeconds))
    .addHelpText('after', '\nThe admin token comes from --token-file, WEBEX_ACCESS_TOKEN or stdin; on a terminal with none of them (or with --sign-in) the command signs in for the scopes it needs, as `token` does.' + exitCodeHelp())

  /**
   * Runs `work` with an admin token: read the safe ways, or from a sign-in for the purpose's
   * preset (grants, service-app) on a terminal with no token given, or with --sign-in. When
   * stdin carries something else (a secret), no token is read from it. A sign-in's calls happen
   * while its loopback server is open, since in sandbox mode the emulator lives there.
   */
  async function withAdminToken (opts: AdminTokenOptions, purpose: 'grants' | 'service-app', work: (webex: WebexClient, token: string, admin: Person, loaded: { config: Config, audit?: AuditLog }) => Promise<void>, stdinTaken = false): Promise<void> {
    const { config, catalogue, audit } = load(io)
    const envToken = (io.env.WEBEX_ACCESS_TOKEN ?? '').trim()
    const signIn = opts.signIn === true || (opts.tokenFile === undefined && envToken === '' && (stdinTaken || io.stdin.isTTY === true))
    if (!signIn) {
      if (config.sandbox) throw new AppError('sandbox_token', { reason: 'No CLIENT_ID is set, so this would ask the sandbox, whose tokens live only in the process that issued them: pass --sign-in to sign in to this run\'s own sandbox.' })
      const held = await heldTokens(io, term, undefined, opts.tokenFile, 'access')
      if (held.accessToken === undefined) throw new ExitError(EXIT.usage, 'the input holds no access token')
      const token = held.accessToken
      const webex = createWebexClient({ baseUrl: config.webexApiUrl, clientId: config.clientId, clientSecret: config.clientSecret })
      try {
        await work(webex, token, await webex.getMe(token), { config, audit })
      } finally {
        await webex.close()
      }
      return
    }
    const scopes = presetScopes(catalogue, purpose === 'grants' ? GRANTS_PRESET_ID : 'service-app')
    await runTokenFlow({
      config,
      catalogue,
      scopes,
      account: { selectAccount: true },
      timeoutMs: opts.timeout * 1000,
      signal,
      onAuthorizeUrl: announceSignIn(io, term, config, opts.browser),
      whileOpen: async ({ tokens, person, requested }, webex) => {
        term.done('Signed in.')
        const admin = person ?? await webex.getMe(tokens.accessToken)
        await record(term, audit, tokenEntry({ event: 'token_issued', via: 'cli', purpose, clientId: config.clientId, tokens, person: admin, requested, now: Date.now() }))
        await work(webex, tokens.accessToken, admin, { config, audit })
      }
    })
  }

  const grants = program.command('grants')
    .description('See and revoke grants (Webex authorizations): who holds which token. Needs a full, user or device admin.')
  adminTokenOptions(grants.command('list')
    .description('List a person\'s grants, by application.')
    .option('--email <email>', 'whose grants (default: the admin\'s own)', parseLoginHint)
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text')))
    .action(async (opts: AdminTokenOptions & { email?: string, format: GrantsFormat }) => {
      await withAdminToken(opts, 'grants', async (webex, token, admin, { config }) => {
        const person = opts.email === undefined || admin.emails.includes(opts.email) ? { personId: admin.id } : { personEmail: opts.email }
        const items = await webex.listAuthorizations(token, person).catch((err: unknown) => {
          if (err instanceof AppError && err.kind === 'webex_not_found') throw new AppError('webex_not_found', { ...err.details, reason: `Webex found no person with the email ${opts.email ?? ''} in the org.` })
          throw err
        })
        io.stdout.write(formatGrants(opts.format, opts.email ?? admin.emails[0] ?? admin.id, items, config.clientId))
      })
    })
  adminTokenOptions(grants.command('revoke')
    .description('Revoke one grant (--id) or every grant of an integration in the org (--client-id). Asks first on a terminal.')
    .option('--id <authorizationId>', 'the grant\'s id, as `grants list` shows it')
    .option('--client-id <clientId>', 'revoke every grant of this integration in the org')
    .option('--org-id <orgId>', 'with --client-id: the org (default: the admin token\'s org)')
    .option('--yes', 'do not ask; needed when not on a terminal'))
    .action(async (opts: AdminTokenOptions & { id?: string, clientId?: string, orgId?: string, yes?: boolean }) => {
      if ((opts.id === undefined) === (opts.clientId === undefined)) throw new ExitError(EXIT.usage, 'pass exactly one of --id and --client-id')
      if (opts.id !== undefined && opts.orgId !== undefined) throw new ExitError(EXIT.usage, '--org-id goes with --client-id only')
      // Refused before any sign-in: a script must say --yes, and nothing is changed without it.
      if (opts.yes !== true && io.stdin.isTTY !== true) throw new ExitError(EXIT.usage, 'revoke changes Webex and stdin is not a terminal to ask on: pass --yes to confirm')
      await withAdminToken(opts, 'grants', async (webex, token, admin, { config, audit }) => {
        const target: { id: string } | { clientId: string, orgId?: string } = opts.id !== undefined ? { id: opts.id } : { clientId: opts.clientId ?? '', ...(opts.orgId === undefined ? {} : { orgId: opts.orgId }) }
        const what = revokeDescription(target, config.clientId)
        if (opts.yes !== true && !await confirmOnTerminal(io.stdin, io.stderr, `Revoke ${what}?`, signal)) throw new ExitError(EXIT.cancelled, 'not revoked')
        const { trackingId } = 'id' in target ? await webex.deleteAuthorization(token, target.id) : await webex.deleteClientAuthorizations(token, target.clientId, target.orgId)
        await record(term, audit, revokeEntry({ via: 'cli', clientId: config.clientId, admin, adminToken: token, trackingId, now: Date.now(), revoked: 'id' in target ? { authorization_id: target.id } : { client_id: target.clientId, ...(target.orgId === undefined ? {} : { org_id: target.orgId }) } }))
        term.done(`Revoked ${what}.`)
      })
    })

  const serviceApp = program.command('service-app')
    .description('Service Apps: tokens of an org\'s machine account, for scripts that outlive the admin who set them up.')
  adminTokenOptions(serviceApp.command('token')
    .description('Fetch a Service App\'s access and refresh tokens for an org where a full admin authorized it. The integration token (with spark:applications_token) comes from --token-file or WEBEX_ACCESS_TOKEN, or a sign-in; the app\'s secret from --client-secret-file or stdin.')
    .requiredOption('--app-id <applicationId>', 'the Service App\'s application id (its page in the developer portal)')
    .requiredOption('--client-id <clientId>', 'the Service App\'s client id')
    .option('--client-secret-file <file>', 'read the Service App\'s client secret from FILE (else from stdin)')
    .option('--target-org <orgId>', 'the org to get tokens for (default: the signed-in admin\'s org)')
    .addOption(formatOption())
    .option('--out <file>', 'write the tokens to FILE (mode 0600) instead of stdout')
    .option('--force', 'overwrite --out if it exists'))
    .action(async (opts: AdminTokenOptions & { appId: string, clientId: string, clientSecretFile?: string, targetOrg?: string, format: Format, out?: string, force?: boolean }) => {
      // The secret first, so a missing one stops the command before any sign-in.
      let secret: string
      if (opts.clientSecretFile !== undefined) secret = await readInputFile(opts.clientSecretFile)
      else if (io.stdin.isTTY !== true) secret = await readStdin(io.stdin)
      else throw new ExitError(EXIT.usage, 'the Service App\'s client secret is needed: pass --client-secret-file FILE or pipe it on stdin (never as a flag value)')
      if (secret.trim() === '') throw new ExitError(EXIT.usage, 'the Service App\'s client secret is empty')
      await withAdminToken(opts, 'service-app', async (webex, token, admin, { config, audit }) => {
        const targetOrgId = opts.targetOrg ?? admin.orgId ?? orgIdFromToken(token)
        if (targetOrgId === undefined) throw new ExitError(EXIT.usage, 'Webex did not say which org the signed-in admin belongs to: pass --target-org')
        const tokens = await webex.serviceAppToken(token, { applicationId: opts.appId, clientId: opts.clientId, clientSecret: secret.trim(), targetOrgId })
        const person = await webex.getMe(tokens.accessToken).catch((err: unknown) => { if (err instanceof AppError) return undefined; throw err })
        await record(term, audit, tokenEntry({ event: 'service_app_token_issued', via: 'cli', clientId: opts.clientId, tokens, person, now: Date.now() }))
        term.done(`Got the Service App's tokens for org ${targetOrgId}.`)
        await emit(io, term, opts.format, { tokens, person, baseUrl: config.webexBaseUrl, clientId: opts.clientId }, opts.out, opts.force === true)
      }, true)
    })

  program.command('audit')
    .description('Print the audit trail (AUDIT_LOG) as a table.')
    .option('--since <date>', 'only events since this date (2026-11-01, 2026-11-01T09:00Z) or age (7d, 12h)', parseSince)
    .option('--file <file>', 'the audit file (default: AUDIT_LOG)')
    .option('--json', 'print the entries as JSON lines')
    .action((opts: { since?: Date, file?: string, json?: boolean }) => {
      const file = opts.file ?? load(io).config.auditLog
      if (file === undefined) throw new ExitError(EXIT.usage, 'no audit file: set AUDIT_LOG (as the server and the other commands see it) or pass --file')
      let read: ReturnType<typeof readAudit>
      try {
        read = readAudit(file, opts.since)
      } catch (err) {
        throw new ExitError(EXIT.failure, `could not read ${file} (${err instanceof Error && 'code' in err ? String(err.code) : 'unknown error'})`)
      }
      if (read.unreadable > 0) term.info(`warning: ${read.unreadable} line${read.unreadable === 1 ? ' is' : 's are'} not audit entries and ${read.unreadable === 1 ? 'was' : 'were'} skipped`)
      if (opts.json === true) io.stdout.write(read.entries.map((e) => JSON.stringify(e) + '\n').join(''))
      else io.stdout.write(read.entries.length === 0 ? 'No events.\n' : auditTable(read.entries))
    })

  program.command('scopes')
    .description('List the scope catalogue.')
    .addOption(new Option('--family <family>', 'only this family').choices(Object.keys(FAMILIES)))
    .option('--json', 'print JSON')
    .action((opts: { family?: string, json?: boolean }) => {
      const catalogue = loadCatalogue(SCOPES_DIR)
      const scopes = catalogue.scopes.filter((s) => opts.family === undefined || s.family === opts.family)
      if (opts.json === true) {
        io.stdout.write(JSON.stringify(scopes, null, 2) + '\n')
        return
      }
      const width = Math.max(...scopes.map((s) => s.id.length))
      for (const s of scopes) io.stdout.write(`${s.id.padEnd(width)}  ${s.access.padEnd(5)}  ${s.description}\n`)
    })

  program.command('serve')
    .description('Run the web app (what npm start runs).')
    .option('--static', 'static mode: the scopes are fixed by SCOPES')
    .action(async (opts: { static?: boolean }) => {
      // The web app is loaded only for `serve`, so the other commands start fast.
      const { serve } = await import('../server.ts')
      await serve(io.env, opts.static === true ? { mode: 'static' } : {})
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
    })
  return program
}

/** Runs the CLI and returns the exit code; never throws. */
export async function runCli (argv: readonly string[], io: CliIo, signal: AbortSignal): Promise<number> {
  const term = new Terminal(io.stderr, io.env)
  try {
    // One Terminal for the program and the error report, so an error line first clears the spinner.
    await buildProgram(io, signal, term).parseAsync([...argv], { from: 'user' })
    return EXIT.ok
  } catch (err) {
    term.stop()
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage
    if (err instanceof ExitError) {
      term.error(err.message)
      return err.code
    }
    if (err instanceof PortInUseError) {
      term.error(err.message)
      return EXIT.failure
    }
    if (err instanceof AppError) {
      if (signal.aborted) {
        term.error('cancelled')
        return EXIT.cancelled
      }
      const entry = ERRORS[err.kind]
      term.error(`${entry.title}: ${err.message}`)
      if (err.details.webexDescription !== undefined) term.error(`Webex said: ${err.details.webexDescription}`)
      if (err.details.requestedScopes !== undefined && (err.kind === 'invalid_scope' || err.kind === 'access_denied')) term.error(`Requested scopes: ${err.details.requestedScopes.join(' ')}`)
      if (err.kind === 'invalid_scope' && err.details.requestedScopes !== undefined) {
        const groups = roleGroups(loadCatalogue(SCOPES_DIR), err.details.requestedScopes)
        term.error(likelyRoleCause(groups))
        for (const group of groups) term.error(`- ${group.role}${group.likely ? ' (likely cause)' : ''}: ${group.scopes.join(' ')}`)
      }
      if (err.kind === 'invalid_scope' || err.kind === 'access_denied' || err.kind === 'forbidden') for (const cause of entry.causes) term.error(`- ${cause}`)
      if (err.kind === 'sandbox_token') for (const next of entry.next) term.error(`- ${next}`)
      if (err.details.trackingId !== undefined) term.error(`Tracking ID: ${err.details.trackingId}`)
      if (err.details.retryAfter !== undefined) term.error(`Webex asks to wait ${err.details.retryAfter} seconds.`)
      return entry.exitCode
    }
    term.error(`unexpected error (${err instanceof Error ? err.name : 'unknown'})`)
    return EXIT.failure
  }
}
