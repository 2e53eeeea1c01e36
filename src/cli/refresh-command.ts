// `refresh`: the refresh grant, from cron too, for this tool's tokens or a Service App's. The
// refresh token goes only to the Webex that issued it (held-webex.ts).
import { DEFAULT_WEBEX_BASE_URL, type Config } from '../config/index.ts'
import { tokenEntry } from '../audit.ts'
import { AppError } from '../errors.ts'
import { EXIT } from './exit-codes.ts'
import type { ClientCredentials } from '../webex/resources.ts'
import { personOf } from '../webex/client.ts'
import {
  checkDestination,
  emit,
  existingFormat,
  ExitError,
  formatDuration,
  heldTokens,
  load,
  readSecret,
  record,
  webexForHeld,
  type Cli
} from './shared.ts'
import type { HeldTokens } from './input.ts'
import type { Format } from './output.ts'

export type RefreshOptions = {
  refreshToken?: string
  in?: string
  format?: Format
  out?: string
  force?: boolean
  ifExpiringWithin?: number
  clientId?: string
  clientSecretFile?: string
}

/**
 * The credentials for refreshing a Service App's tokens: its client id (flag, or the token
 * file's when it is not CLIENT_ID) and its secret from --client-secret-file or stdin, never
 * a flag value. undefined for this tool's own tokens.
 */
async function serviceAppClient (
  cli: Cli,
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

/** `refresh`: renews the held tokens (when due, with --if-expiring-within) and writes them out. */
export async function refreshAction (cli: Cli, opts: RefreshOptions): Promise<void> {
  const { io, term } = cli
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
    cli,
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
