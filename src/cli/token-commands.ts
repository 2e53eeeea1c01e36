// `token` (browser or --device), `refresh` (also from cron, also a Service App's tokens) and
// `whoami`: the commands that get, renew and check tokens.
import type { Command } from 'commander'
import { Option } from 'commander'
import { splitScopeText } from '../catalogue/rules.ts'
import { scopeListProblems } from '../catalogue/static-scopes.ts'
import { DEFAULT_WEBEX_BASE_URL, type Config } from '../config/index.ts'
import { tokenEntry } from '../audit.ts'
import { AppError } from '../errors.ts'
import { EXIT } from './exit-codes.ts'
import { type ClientCredentials, type DeviceAuthorization, orgIdFromToken } from '../webex/resources.ts'
import { personOf } from '../webex/client.ts'
import {
  announceSignIn,
  checkDestination,
  commandHelp,
  emit,
  SIGN_IN_KINDS,
  parseWebexId,
  existingFormat,
  ExitError,
  formatDuration,
  formatOption,
  heldTokens,
  load,
  parseDuration,
  parseFormat,
  parseLoginHint,
  parseSeconds,
  readSecret,
  record,
  textOrJson,
  wantsJsonOutput,
  webexForHeld,
  type Cli
} from './shared.ts'
import { deviceScopeProblem, runDeviceFlow } from './device.ts'
import { signedInLine } from './signed-in.ts'
import type { HeldTokens } from './input.ts'
import type { Format } from './output.ts'
import { runTokenFlow } from './loopback-sign-in.ts'
import { jsonSafe, terminalSafe } from './terminal-safe.ts'

export function tokenCommands (program: Command, cli: Cli): void {
  const { io, term, signal } = cli

  /**
   * The credentials for refreshing a Service App's tokens: its client id (flag, or the token
   * file's when it is not CLIENT_ID) and its secret from --client-secret-file or stdin, never
   * a flag value. undefined for this tool's own tokens.
   */
  async function serviceAppClient (
    opts: { clientId?: string, clientSecretFile?: string },
    held: HeldTokens,
    config: Config,
    stdinFree: boolean
  ): Promise<ClientCredentials | undefined> {
    const clientId =
      opts.clientId ?? (held.clientId !== undefined && held.clientId !== config.clientId ? held.clientId : undefined)
    if (clientId === undefined) {
      if (opts.clientSecretFile !== undefined) {
        throw new ExitError(EXIT.usage, "--client-secret-file goes with a Service App's --client-id")
      }
      return undefined
    }
    return {
      clientId,
      clientSecret: await readSecret(cli, opts.clientSecretFile, stdinFree, `refreshing client ${clientId}'s tokens`)
    }
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
    .action(
      async (opts: {
        refreshToken?: string
        in?: string
        format?: Format
        out?: string
        force?: boolean
        ifExpiringWithin?: number
        clientId?: string
        clientSecretFile?: string
      }) => {
        const { config, audit } = load(io)
        const held = await heldTokens(cli, { name: '--refresh-token', value: opts.refreshToken }, opts.in, 'refresh')
        if (held.refreshToken === undefined) throw new ExitError(EXIT.usage, 'the input holds no refresh token')
        const now = Date.now()
        if (opts.ifExpiringWithin !== undefined) {
          const expires = held.accessTokenExpiresAt
          if (expires === undefined) {
            term.info('the input does not say when the access token expires, so it is refreshed now')
          } else if (expires.getTime() - now > opts.ifExpiringWithin) {
            term.info(
              `not due: the access token expires ${expires.toISOString()}, after the ${formatDuration(opts.ifExpiringWithin)} window; nothing was changed`
            )
            return
          }
        }
        if (held.refreshTokenExpiresAt !== undefined && held.refreshTokenExpiresAt.getTime() <= now) {
          throw new AppError('invalid_grant', {
            reason: `The refresh token expired at ${held.refreshTokenExpiresAt.toISOString()}: a new sign-in is needed (webex-token-issuer token --out …).`
          })
        }
        await checkDestination({ out: opts.out, force: opts.force === true })
        const client = await serviceAppClient(
          opts,
          held,
          config,
          opts.in !== undefined || (io.env.WEBEX_REFRESH_TOKEN ?? '').trim() !== ''
        )
        const { webex, baseUrl, ownClient } = await webexForHeld(config, held, io.env)
        if (!ownClient && client === undefined) {
          await webex.close()
          throw new ExitError(
            EXIT.config,
            `this refresh token was issued through ${baseUrl}, and refreshing it needs the CLIENT_ID and CLIENT_SECRET of the integration that issued it: set them${baseUrl === DEFAULT_WEBEX_BASE_URL ? '' : `, with WEBEX_BASE_URL=${baseUrl}`} (in .env.local), then run this command again. Nothing was sent.`
          )
        }
        try {
          term.progress('Refreshing…')
          const tokens = await webex.refresh(held.refreshToken, held.refreshTokenExpiresAt, client)
          if (tokens.refreshTokenKept === true) term.info('Webex sent no new refresh token; the one you had stays valid.')
          // Whose token it is, as `token` and the tokens page say; a failure only leaves it out.
          const person = await personOf(webex, tokens.accessToken)
          const clientId = client?.clientId ?? config.clientId
          await record(cli, audit, () =>
            tokenEntry({ event: 'token_refreshed', via: 'cli', clientId, tokens, person, now: Date.now() })
          )
          term.done('Refreshed.')
          const soon = tokens.refreshTokenExpiresAt
          if (
            opts.ifExpiringWithin !== undefined &&
            soon !== undefined &&
            soon.getTime() - Date.now() <= opts.ifExpiringWithin
          ) {
            term.info(
              `warning: the refresh token expires ${soon.toISOString()}, within the window: sign in again before then`
            )
          }
          const format = opts.format ?? (await existingFormat(opts.out)) ?? 'json'
          await emit(
            cli,
            format,
            { tokens, person, baseUrl, ...(client === undefined ? {} : { clientId }) },
            { out: opts.out, force: opts.force === true, merge: true }
          )
        } finally {
          await webex.close()
        }
      }
    )

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
  ).action(async (opts: { token?: string, in?: string, format: string, json?: boolean }) => {
    const { config, audit } = load(io)
    const held = await heldTokens(cli, { name: '--token', value: opts.token }, opts.in, 'access')
    if (held.accessToken === undefined) throw new ExitError(EXIT.usage, 'the input holds no access token')
    const { webex } = await webexForHeld(config, held, io.env)
    try {
      const me = await webex.getMe(held.accessToken)
      await record(cli, audit, () =>
        tokenEntry({
          event: 'token_checked',
          via: 'cli',
          clientId: config.clientId,
          accessToken: held.accessToken,
          person: me,
          now: Date.now()
        })
      )
      const summary = {
        id: me.id,
        displayName: me.displayName,
        emails: me.emails,
        orgId: me.orgId ?? orgIdFromToken(held.accessToken),
        type: me.type
      }
      io.stdout.write(
        wantsJsonOutput(opts)
          ? jsonSafe(JSON.stringify(summary, null, 2)) + '\n'
          : terminalSafe(
              `${summary.displayName ?? ''} <${summary.emails[0] ?? ''}>\norg ${summary.orgId ?? 'unknown'}\n`
          )
      )
    } finally {
      await webex.close()
    }
  })
}
