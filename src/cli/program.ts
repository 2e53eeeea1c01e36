// The `webex-token-issuer` command: token, refresh, whoami (src/cli/token-commands.ts), grants
// (grants.ts), service-app (service-app-command.ts), audit, scopes, serve. Only tokens and lists
// go to stdout; progress and errors go to stderr; exit codes follow the error catalogue.
import { errnoCode } from '../errno.ts'
import { Command, CommanderError, Option } from 'commander'
import { FAMILIES, invalidScopeExplanation, loadCatalogue, roleGroups, ROLES } from '../catalogue/index.ts'
import { matchesSearch } from '../catalogue/rules.ts'
import { auditTable, readAudit } from '../audit.ts'
import { AppError, type ErrorKind } from '../errors.ts'
import { errorSentence, PAGE_TEXT } from '../web/error-text.ts'
import { EXIT, EXIT_CODES, exitCodeHelp } from './exit-codes.ts'
import { SCOPES_DIR } from '../paths.ts'
import { commandHelp, ExitError, load, parseSince, textOrJson, wantsJsonOutput, type Cli, type CliIo } from './shared.ts'
import { grantsCommands } from './grants.ts'
import { serviceAppCommand } from './service-app-command.ts'
import { Terminal } from './terminal.ts'
import { tokenCommands } from './token-commands.ts'
import { PortInUseError } from './loopback-sign-in.ts'
import { heldByThisTool } from '../loopback.ts'
import { jsonSafe, terminalSafe } from './terminal-safe.ts'

/** The failures whose next steps a person at a terminal cannot guess: printed after the error. */
const NEXT_STEPS_SHOWN: ReadonlySet<ErrorKind> = new Set([
  'sandbox_token',
  'service_app_not_authorized',
  'service_app_secret_invalid',
  'device_code_expired',
  'token_limit_reached'
])

export type { CliIo } from './shared.ts'

export function buildProgram (io: CliIo, signal: AbortSignal, term: Terminal): Command {
  const program = new Command('webex-token-issuer')
    .description('Get Webex OAuth tokens with exactly the scopes you need.')
    .version('0.1.0')
    .addHelpText('after', exitCodeHelp())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
  const cli: Cli = { io, term, signal }
  tokenCommands(program, cli)
  grantsCommands(program, cli)
  serviceAppCommand(program, cli)

  textOrJson(
    program
      .command('audit')
      .description('Print the audit trail (AUDIT_LOG) as a table.')
      .option(
        '--since <date>',
        'only events since this date (2026-11-01, 2026-11-01T09:00Z) or age (7d, 12h)',
        parseSince
      )
      .option('--file <file>', 'the audit file (default: AUDIT_LOG)')
      .addHelpText(
        'after',
        commandHelp(
          [
            'webex-token-issuer audit --since 7d',
            'webex-token-issuer audit --file /var/log/webex-audit.jsonl --format json'
          ],
          []
        )
      )
  ).action((opts: { since?: Date, file?: string, format: string, json?: boolean }) => {
    const file = opts.file ?? load(io).config.auditLog
    if (file === undefined) {
      throw new ExitError(
        EXIT.usage,
        'no audit file: set AUDIT_LOG (as the server and the other commands see it) or pass --file'
      )
    }
    let read: ReturnType<typeof readAudit>
    try {
      read = readAudit(file, opts.since)
    } catch (err) {
      throw new ExitError(EXIT.failure, `could not read ${file} (${errnoCode(err)})`)
    }
    if (read.unreadable > 0) {
      term.info(
        `warning: ${read.unreadable} line${read.unreadable === 1 ? ' is' : 's are'} not audit entries and ${read.unreadable === 1 ? 'was' : 'were'} skipped`
      )
    }
    if (wantsJsonOutput(opts)) io.stdout.write(read.entries.map((e) => jsonSafe(JSON.stringify(e)) + '\n').join(''))
    else io.stdout.write(read.entries.length === 0 ? 'No events.\n' : terminalSafe(auditTable(read.entries)))
  })

  textOrJson(
    program
      .command('scopes')
      .description("List the scope catalogue, or its presets; a search narrows either (as the page's search does).")
      .argument('[search]', 'words that an id, description or role must contain')
      .addOption(new Option('--family <family>', 'only this family').choices(Object.keys(FAMILIES)))
      .option('--presets', 'list the presets (for token --preset) instead')
      .addHelpText(
        'after',
        commandHelp(
          [
            'webex-token-issuer scopes "devices write"',
            'webex-token-issuer scopes --family compliance --format json',
            'webex-token-issuer scopes --presets'
          ],
          []
        )
      )
  ).action(
    (search: string | undefined, opts: { family?: string, presets?: boolean, format: string, json?: boolean }) => {
      const catalogue = loadCatalogue(SCOPES_DIR)
      const json = wantsJsonOutput(opts)
      const query = search ?? ''
      if (opts.presets === true) {
        const presets = catalogue.presets.filter((p) =>
          matchesSearch(`${p.id} ${p.name} ${p.purpose} ${p.scopes.join(' ')}`, query)
        )
        if (json) io.stdout.write(JSON.stringify(presets, null, 2) + '\n')
        else for (const p of presets) io.stdout.write(`${p.id}  ${p.name}: ${p.scopes.join(' ')}\n`)
        return
      }
      const scopes = catalogue.scopes.filter(
        (s) =>
          (opts.family === undefined || s.family === opts.family) &&
          matchesSearch(`${s.id} ${s.description} ${ROLES[s.role]}`, query)
      )
      if (json) {
        io.stdout.write(JSON.stringify(scopes, null, 2) + '\n')
        return
      }
      const width = Math.max(0, ...scopes.map((s) => s.id.length))
      for (const s of scopes) io.stdout.write(`${s.id.padEnd(width)}  ${s.access.padEnd(5)}  ${s.description}\n`)
    }
  )

  program
    .command('serve')
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
      if (err.cause.code === 'EADDRINUSE' && (await heldByThisTool(err.cause.port))) {
        term.error(
          `port ${err.cause.port}, which REDIRECT_URI ${err.redirectUri} needs, is held by this tool's own web app (npm start). Sign in there, at ${new URL('/', err.redirectUri).toString()}, or stop it (Ctrl-C in its terminal) and run this command again.`
        )
      } else {
        term.error(err.message)
      }
      return EXIT.failure
    }
    if (err instanceof AppError) {
      if (signal.aborted) {
        term.error('cancelled')
        return EXIT.cancelled
      }
      const entry = PAGE_TEXT[err.kind]
      term.error(`${entry.title}: ${errorSentence(err)}`)
      if (err.details.webexDescription !== undefined) term.error(`Webex said: ${err.details.webexDescription}`)
      if (err.details.requestedScopes !== undefined && (err.kind === 'invalid_scope' || err.kind === 'access_denied')) {
        term.error(`Requested scopes: ${err.details.requestedScopes.join(' ')}`)
      }
      if (err.kind === 'invalid_scope' && err.details.requestedScopes !== undefined) {
        const groups = roleGroups(loadCatalogue(SCOPES_DIR), err.details.requestedScopes)
        const explained = invalidScopeExplanation(groups)
        term.error(explained.text)
        for (const group of groups) {
          term.error(`- ${group.role}: ${group.scopes.join(' ')}`)
          if (explained.retryEachGroup) term.error(`    --scopes "${group.scopes.join(' ')}"`)
        }
      } else if (err.kind === 'access_denied' || err.kind === 'forbidden') { for (const cause of entry.causes) term.error(`- ${cause}`) }
      if (NEXT_STEPS_SHOWN.has(err.kind)) for (const next of entry.next) term.error(`- ${next}`)
      if (err.details.trackingId !== undefined) term.error(`Tracking ID: ${err.details.trackingId}`)
      if (err.details.retryAfter !== undefined) term.error(`Webex asks to wait ${err.details.retryAfter} seconds.`)
      return EXIT_CODES[err.kind].exitCode
    }
    term.error(`unexpected error (${err instanceof Error ? err.name : 'unknown'})`)
    return EXIT.failure
  }
}
