// `token` (browser or --device), `refresh` (also from cron, also a Service App's tokens) and
// `whoami`: the commands that get, renew and check tokens, as commander declares them. `token`'s
// action is here; refresh's and whoami's are refresh-command.ts and whoami-command.ts.
import type { Command } from 'commander'
import { Option } from 'commander'
import { splitScopeText } from '../catalogue/rules.ts'
import { scopeListProblems } from '../catalogue/static-scopes.ts'
import type { Config } from '../config/index.ts'
import { tokenEntry } from '../audit.ts'
import { EXIT } from './exit-codes.ts'
import type { DeviceAuthorization } from '../webex/resources.ts'
import {
  announceSignIn,
  checkDestination,
  commandHelp,
  emit,
  SIGN_IN_KINDS,
  parseWebexId,
  ExitError,
  formatOption,
  load,
  parseDuration,
  parseFormat,
  parseLoginHint,
  parseSeconds,
  record,
  textOrJson,
  type Cli
} from './shared.ts'
import { deviceScopeProblem, runDeviceFlow } from './device.ts'
import { signedInLine } from './signed-in.ts'
import type { Format } from './output.ts'
import { runTokenFlow } from './loopback-sign-in.ts'
import { refreshAction, type RefreshOptions } from './refresh-command.ts'
import { whoamiAction, type WhoamiOptions } from './whoami-command.ts'

export function tokenCommands (program: Command, cli: Cli): void {
  const { io, term, signal } = cli

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
    term.progress(
      `Waiting for the approval (the code expires in ${Math.round(authorization.expiresInS / 60)} minutes; Ctrl-C to stop)…`
    )
  }

  program
    .command('token')
    .description("Run the sign-in on a loopback server at REDIRECT_URI's port and print the tokens.")
    .option('--scopes <scopes>', 'scopes to request, space- or comma-separated (default: SCOPES)')
    .option('--preset <name>', "request a preset's scopes (`scopes --presets` lists them); with --scopes, both")
    .addOption(formatOption())
    .option('--out <file>', 'write the tokens to FILE (mode 0600) instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .option('--select-account', 'let the person choose the Webex account (prompt=select_account; the default)')
    .option('--no-select-account', 'let Webex reuse the account the browser is signed in with')
    .option('--login-hint <email>', 'prefill this email on the Webex sign-in page', parseLoginHint)
    .option(
      '--device',
      'sign in on another device (the device grant), for machines without a browser: prints a URL, a code and a QR code'
    )
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for the browser (or, with --device, for the approval)')
        .default(300)
        .argParser(parseSeconds)
    )
    .addHelpText(
      'after',
      commandHelp(
        [
          'webex-token-issuer token --scopes "spark-admin:people_read spark-admin:licenses_read" --format env --out webex.env',
          'TOKEN=$(webex-token-issuer token --preset org-directory --format token)',
          'webex-token-issuer token --device --scopes spark-admin:devices_read   # on a machine without a browser'
        ],
        [...SIGN_IN_KINDS, 'device_code_expired']
      )
    )
    .action(
      async (opts: {
        scopes?: string
        preset?: string
        format: Format
        out?: string
        force?: boolean
        browser: boolean
        selectAccount?: boolean
        loginHint?: string
        device?: boolean
        timeout: number
      }) => {
        const { config, catalogue, audit } = load(io)
        const preset = opts.preset === undefined ? undefined : catalogue.presets.find((p) => p.id === opts.preset)
        if (opts.preset !== undefined && preset === undefined) {
          throw new ExitError(
            EXIT.usage,
            `there is no preset "${opts.preset}": \`webex-token-issuer scopes --presets\` lists them (${catalogue.presets.map((p) => p.id).join(', ')})`
          )
        }
        const named = [...(preset?.scopes ?? []), ...(opts.scopes === undefined ? [] : splitScopeText(opts.scopes))]
        const scopes = opts.scopes === undefined && preset === undefined ? [...config.scopes] : [...new Set(named)]
        if (scopes.length === 0) {
          throw new ExitError(
            EXIT.usage,
            'no scopes: pass --scopes "spark-admin:people_read …" or --preset NAME, or set SCOPES'
          )
        }
        const fromSetting = opts.scopes === undefined && preset === undefined
        const { problems, warnings } = scopeListProblems(
          catalogue,
          scopes,
          fromSetting ? 'SCOPES' : '--scopes',
          config.allowUnknownScopes
        )
        if (problems.length > 0) {
          throw new ExitError(
            fromSetting ? EXIT.config : EXIT.usage,
            problems.map((p) => (fromSetting ? `config error: ${p}` : p)).join('\n')
          )
        }
        for (const warning of warnings) term.info(`warning: ${warning}`)
        if (opts.device === true) {
          const problem = deviceScopeProblem(scopes)
          if (problem !== undefined) throw new ExitError(EXIT.usage, problem)
        }
        // Before the sign-in: afterwards the tokens exist, and a grant at Webex with them.
        await checkDestination({ out: opts.out, force: opts.force === true })
        const result =
          opts.device === true
            ? await runDeviceFlow({
              config,
              scopes,
              timeoutMs: opts.timeout * 1000,
              signal,
              clock: io.clock,
              onCode: async (authorization) => {
                await showDeviceCode(authorization, config)
              }
            })
            : await runTokenFlow({
              config,
              catalogue,
              scopes,
              account: {
                selectAccount: opts.selectAccount !== false,
                ...(opts.loginHint === undefined ? {} : { loginHint: opts.loginHint })
              },
              timeoutMs: opts.timeout * 1000,
              signal,
              onAuthorizeUrl: announceSignIn(cli, config, opts.browser)
            })
        await record(cli, audit, () =>
          tokenEntry({
            event: 'token_issued',
            via: 'cli',
            purpose: 'tokens',
            clientId: config.clientId,
            tokens: result.tokens,
            person: result.person,
            requested: result.requested,
            now: Date.now()
          })
        )
        term.done(signedInLine(result))
        await emit(
          cli,
          opts.format,
          { ...result, baseUrl: config.webexBaseUrl },
          { out: opts.out, force: opts.force === true }
        )
      }
    )

  program
    .command('refresh')
    .description('Run the refresh grant. The refresh token comes from --in FILE, WEBEX_REFRESH_TOKEN, or stdin.')
    .option(
      '--refresh-token <token>',
      'the refresh token (deprecated: visible in ps; use stdin, --in or WEBEX_REFRESH_TOKEN)'
    )
    .option('--in <file>', 'a file written by `token --out` (json or env)')
    .addOption(
      new Option(
        '--format <format>',
        'json, env, text, or token (the access token alone); default: the format of an existing --out, else json'
      ).argParser(parseFormat)
    )
    .option(
      '--out <file>',
      'write the tokens to FILE (mode 0600) instead of stdout; with --force an existing file is updated, its other lines kept'
    )
    .option('--force', 'overwrite --out if it exists')
    .option(
      '--if-expiring-within <duration>',
      'refresh only when the access token expires within this window (30m, 12h, 3d); otherwise exit 0 and touch nothing',
      parseDuration
    )
    .option(
      '--client-id <clientId>',
      "refresh a Service App's tokens with its client id (default: the input file's client id, else CLIENT_ID)",
      parseWebexId
    )
    .option('--client-secret-file <file>', "the Service App's client secret, read from FILE (else from stdin)")
    .addHelpText(
      'after',
      '\nFor cron: `refresh --in webex.env --out webex.env --force --if-expiring-within 3d` exits 0 when it refreshed or when nothing was due (stderr says which), 6 when the refresh token has expired or was revoked (a new sign-in is needed), 8 when Webex could not be reached (try again later).\n' +
        commandHelp(
          [
            'webex-token-issuer refresh --in webex.env --out webex.env --force --if-expiring-within 3d',
            "webex-token-issuer refresh --in app.env --client-secret-file app-secret.txt --format token   # a Service App's"
          ],
          [
            'invalid_grant',
            'invalid_client',
            'service_app_secret_invalid',
            'webex_unavailable',
            'sandbox_token',
            'webex_refused',
            'token_limit_reached'
          ]
        )
    )
    .action(async (opts: RefreshOptions) => await refreshAction(cli, opts))

  textOrJson(
    program
      .command('whoami')
      .description(
        'Show whom an access token belongs to (people/me). The token comes from --in FILE, WEBEX_ACCESS_TOKEN, or stdin.'
      )
      .option('--token <token>', 'the access token (deprecated: visible in ps; use stdin, --in or WEBEX_ACCESS_TOKEN)')
      .option('--in <file>', 'a file written by `token --out` (json or env)')
      .addHelpText(
        'after',
        commandHelp(
          ['webex-token-issuer whoami --in webex.env', 'echo "$TOKEN" | webex-token-issuer whoami --format json'],
          ['token_invalid', 'webex_unavailable', 'sandbox_token', 'webex_refused']
        )
      )
  ).action(async (opts: WhoamiOptions) => await whoamiAction(cli, opts))
}
