// What every command of the CLI shares: its streams and terminal, the argument parsers, the
// configuration, the token inputs (read the safe ways), the token outputs, the audit trail, the
// sign-in announcement, and the admin token the grants and service-app commands run with.
import { errnoCode } from '../errno.ts'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { CatalogueError, loadCatalogue, type Catalogue } from '../catalogue/index.ts'
import { ConfigError, configErrorLines, loadConfig, type Config } from '../config/index.ts'
import { AuditLog, tokenEntry, type AuditEntry } from '../audit.ts'
import { EXIT } from './exit-codes.ts'
import { GRANTS_PRESET_ID, presetScopes } from '../oauth/grants.ts'
import { mergeEnvFile, mergeJsonFile, UnquotableValueError } from '../oauth/token-file.ts'
import type { TokenOutput } from '../oauth/token-record.ts'
import type { WebexClient } from '../webex/client.ts'
import type { Person } from '../webex/resources.ts'
import { SCOPES_DIR } from '../paths.ts'
import { parseHeldTokens, readInputFile, readStdin, type HeldTokens } from './input.ts'
import { destinationProblem, formatTokens, writePrivateFile, writeRescueFile, type Format } from './output.ts'
import type { Clock } from './device.ts'
import type { Terminal } from './terminal.ts'
import { runTokenFlow } from './loopback-sign-in.ts'
import { signedInLine } from './signed-in.ts'
import type { AdminTokenOptions } from './options.ts'
import { webexForHeld } from './held-webex.ts'

export { webexForHeld, type HeldWebex } from './held-webex.ts'
export {
  adminTokenOptions,
  commandHelp,
  formatDuration,
  formatOption,
  parseDuration,
  parseFormat,
  parseLoginHint,
  parseSeconds,
  parseSince,
  parseWebexId,
  SIGN_IN_KINDS,
  textOrJson,
  wantsJsonOutput,
  type AdminTokenOptions
} from './options.ts'

export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream | NodeJS.WritableStream
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
  cwd: string
  /** Opens the system browser; rejects when none can be opened. */
  openBrowser: (url: string) => Promise<void>
  /** The device grant's clock; the system clock unless given. */
  clock?: Clock
}

/** One run of the CLI: its streams, its terminal (progress and errors) and its Ctrl-C signal. */
export interface Cli {
  io: CliIo
  term: Terminal
  signal: AbortSignal
}

export class ExitError extends Error {
  constructor (
    readonly code: number,
    message: string
  ) {
    super(message)
  }
}

export function load (io: CliIo): { config: Config, catalogue: Catalogue, audit?: AuditLog } {
  try {
    const config = loadConfig(io.env, io.cwd)
    // What the server logs at start-up, the commands say too (plain http to another machine, …).
    for (const warning of config.warnings) io.stderr.write(`warning: ${warning}\n`)
    const catalogue = loadCatalogue(SCOPES_DIR)
    return { config, catalogue, ...(config.auditLog === undefined ? {} : { audit: AuditLog.open(config.auditLog) }) }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof CatalogueError) {
      throw new ExitError(EXIT.config, configErrorLines(err).join('\n'))
    }
    throw err
  }
}

/**
 * Writes the tokens to stdout or --out. With `merge` (refresh), an existing --out is updated:
 * the token fields replaced, every other line or field kept.
 */
export async function emit (
  { io, term }: Cli,
  format: Format,
  output: TokenOutput,
  to: { out?: string | undefined, force?: boolean, merge?: boolean } = {}
): Promise<void> {
  const { out, force = false, merge = false } = to
  let text: string
  try {
    text = formatTokens(format, output, Date.now())
  } catch (err) {
    if (err instanceof UnquotableValueError) throw new ExitError(EXIT.failure, `${err.message}: use --format json`)
    throw err
  }
  if (out !== undefined && merge && force && (format === 'env' || format === 'json')) {
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
    // Checked before the sign-in (checkDestination), yet it failed: the tokens exist now, and a
    // grant at Webex with them, so they are kept in a private file of their own, never dropped.
    const why =
      err instanceof Error && 'code' in err ? String(err.code) : err instanceof Error ? err.message : 'unknown error'
    let rescue: string
    try {
      rescue = await writeRescueFile(text, format === 'json' ? 'json' : format === 'env' ? 'env' : 'txt')
    } catch {
      io.stdout.write(text)
      throw new ExitError(
        EXIT.failure,
        `could not write ${out} (${why}), nor a file in the temporary folder: the tokens are on stdout instead`
      )
    }
    throw new ExitError(
      EXIT.failure,
      `could not write ${out} (${why}). The tokens are not lost: they are in ${rescue} (mode 0600, in a folder only you can open). Move them where they belong, then delete that folder.`
    )
  }
  term.info(`wrote ${out} (mode 0600)`)
}

/** Stops a command whose --out could not be written before it signs in or refreshes (exit 2). */
export async function checkDestination ({
  out,
  force = false
}: {
  out?: string | undefined
  force?: boolean
}): Promise<void> {
  if (out === undefined) return
  const problem = await destinationProblem(out, force)
  if (problem !== undefined) throw new ExitError(EXIT.usage, `${problem}. Nothing was signed in or changed.`)
}

/** The format of an existing token file (JSON or env), else the one its name suggests. */
export async function existingFormat (path: string | undefined): Promise<Format | undefined> {
  if (path === undefined) return undefined
  const text = await readFile(path, 'utf8').catch(() => undefined)
  if (text !== undefined) return text.trimStart().startsWith('{') ? 'json' : 'env'
  if (path.endsWith('.json')) return 'json'
  if (path.endsWith('.env') || basename(path).startsWith('.env')) return 'env'
  return undefined
}

/** Appends an audit line when AUDIT_LOG is set; a failed write is a warning, as the tokens exist either way. */
export async function record ({ term }: Cli, audit: AuditLog | undefined, makeEntry: () => AuditEntry): Promise<void> {
  if (audit === undefined) return
  try {
    await audit.append(makeEntry())
  } catch (err) {
    term.info(
      `warning: could not append to AUDIT_LOG ${audit.path} (${errnoCode(err)}): this event is missing from the audit trail`
    )
  }
}

/** Says where the sign-in happens: opens the browser when there is a display, else prints the URL. */
export function announceSignIn ({ io, term }: Cli, config: Config, browser: boolean) {
  const display =
    io.env.DISPLAY !== undefined ||
    io.env.WAYLAND_DISPLAY !== undefined ||
    process.platform === 'darwin' ||
    process.platform === 'win32'
  return async (url: string, launchFile: () => Promise<string>): Promise<void> => {
    if (config.sandbox) term.info('SANDBOX mode (no CLIENT_ID set): the sign-in goes to the embedded Webex emulator.')
    if (browser && display) {
      try {
        // The browser is handed a private file that leads to the single-use local link, never a
        // URL that signs in: a command line is readable by every user of this machine.
        await io.openBrowser(await launchFile())
        term.info('Opened the browser for the Webex sign-in. If it did not appear, or shows no sign-in, open this URL:')
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
export async function heldTokens (
  { io, term }: Cli,
  flag: { name: string, value: string | undefined } | undefined,
  file: string | undefined,
  bareIs: 'access' | 'refresh'
): Promise<HeldTokens> {
  const variable = bareIs === 'access' ? 'WEBEX_ACCESS_TOKEN' : 'WEBEX_REFRESH_TOKEN'
  if (flag?.value !== undefined) {
    term.info(
      `warning: ${flag.name} puts the token in the process list, where every user of this machine can read it; pass it on stdin, with --in FILE, or in ${variable} instead`
    )
    return parseHeldTokens(flag.value, bareIs)
  }
  if (file !== undefined) return parseHeldTokens(await readInputFile(file, (line) => term.info(line)), bareIs)
  const fromEnv = io.env[variable]
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const held = parseHeldTokens(fromEnv, bareIs)
    const expiry = bareIs === 'refresh' ? Date.parse(io.env.WEBEX_REFRESH_TOKEN_EXPIRES_AT ?? '') : Number.NaN
    return Number.isNaN(expiry) ? held : { ...held, refreshTokenExpiresAt: new Date(expiry) }
  }
  return parseHeldTokens(await readStdin(io.stdin), bareIs)
}

/**
 * A Service App's client secret: from FILE, or from stdin when stdin is free for it (piped, and
 * not carrying a token); never a flag value, so it never shows in `ps`.
 */
export async function readSecret (
  { io, term }: Cli,
  file: string | undefined,
  stdinFree: boolean,
  what: string
): Promise<string> {
  let secret: string
  if (file !== undefined) secret = await readInputFile(file, (line) => term.info(line))
  else if (stdinFree && io.stdin.isTTY !== true) secret = await readStdin(io.stdin)
  else {
    throw new ExitError(
      EXIT.usage,
      `${what} needs the Service App's client secret: pass --client-secret-file FILE${stdinFree ? ' or pipe it on stdin (never as a flag value)' : ' (stdin holds the refresh token)'}`
    )
  }
  if (secret.trim() === '') throw new ExitError(EXIT.usage, "the Service App's client secret is empty")
  return secret.trim()
}

/**
 * Runs `work` with an admin token: read the safe ways, or from a sign-in for the purpose's
 * preset (grants, service-app) on a terminal with no token given, or with --sign-in. When
 * stdin carries something else (a secret), no token is read from it. A sign-in's calls happen
 * while its loopback server is open, since in sandbox mode the emulator lives there.
 */
export async function withAdminToken (
  cli: Cli,
  opts: AdminTokenOptions,
  purpose: 'grants' | 'service-app',
  work: (
    webex: WebexClient,
    token: string,
    admin: Person,
    loaded: { config: Config, audit?: AuditLog }
  ) => Promise<void>,
  stdinTaken = false
): Promise<void> {
  const { io, term, signal } = cli
  const { config, catalogue, audit } = load(io)
  const envToken = (io.env.WEBEX_ACCESS_TOKEN ?? '').trim()
  const file = opts.in ?? opts.tokenFile
  const signIn =
    opts.signIn === true || (file === undefined && envToken === '' && (stdinTaken || io.stdin.isTTY === true))
  if (!signIn) {
    const held = await heldTokens(cli, undefined, file, 'access')
    if (held.accessToken === undefined) throw new ExitError(EXIT.usage, 'the input holds no access token')
    const token = held.accessToken
    const { webex } = await webexForHeld(
      config,
      held,
      io.env,
      "Or pass --sign-in to sign in to this command's own sandbox."
    )
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
    onAuthorizeUrl: announceSignIn(cli, config, opts.browser),
    whileOpen: async ({ tokens, person, orgName, requested }, webex) => {
      const admin = person ?? (await webex.getMe(tokens.accessToken))
      term.done(signedInLine({ tokens, person: admin, orgName }))
      await record(cli, audit, () =>
        tokenEntry({
          event: 'token_issued',
          via: 'cli',
          purpose,
          clientId: config.clientId,
          tokens,
          person: admin,
          requested,
          now: Date.now()
        })
      )
      await work(webex, tokens.accessToken, admin, { config, audit })
    }
  })
}
