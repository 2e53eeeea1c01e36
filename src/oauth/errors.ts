// The one error catalogue: every failure has a kind, and the kind decides the page's status,
// its explanation and the CLI's exit code. The CLI's --help table is made from it too.

export type ErrorKind =
  | 'bad_request'
  | 'access_denied'
  | 'invalid_scope'
  | 'state_invalid'
  | 'invalid_grant'
  | 'invalid_client'
  | 'webex_unavailable'
  | 'webex_refused'
  | 'id_token_invalid'
  | 'timeout'
  | 'token_invalid'
  | 'sandbox_token'
  | 'rate_limited'
  | 'misdirected'
  | 'not_found'
  | 'forbidden'
  | 'webex_not_found'
  | 'device_code_expired'
  | 'service_app_not_authorized'
  | 'service_app_secret_invalid'
  | 'token_limit_reached'
  | 'unknown_error'

export interface ErrorEntry {
  readonly status: number
  readonly exitCode: number
  readonly title: string
  /** What happened, in one sentence. */
  readonly summary: string
  /** The likely causes, in an admin's terms. */
  readonly causes: readonly string[]
  /** What to do next. */
  readonly next: readonly string[]
  /** The line of the CLI's exit-code table, for the kinds the CLI can end with. */
  readonly cli?: string
}

export const ERRORS: Readonly<Record<ErrorKind, ErrorEntry>> = {
  bad_request: {
    status: 400,
    exitCode: 2,
    title: 'That request could not be used',
    summary: 'The form or link did not contain a usable request, so no sign-in was started.',
    causes: ['No scope was chosen, an unknown scope was sent, or the form was changed or incomplete.'],
    next: ['Go back to the start, choose the scopes again and press Start.'],
    cli: 'bad request or usage: no scope, unknown scope, bad flag, unreadable input'
  },
  access_denied: {
    status: 403,
    exitCode: 3,
    title: 'Access was declined',
    summary: 'Webex did not grant access: the consent screen was declined, or an org policy blocks this integration.',
    causes: [
      'You (or whoever signed in) pressed Decline on the Webex consent screen.',
      'Your org restricts which integrations its users may authorize: Control Hub → Apps → Integrations.'
    ],
    next: ['Start again and accept the consent screen, or ask a full admin to allow the integration in Control Hub.'],
    cli: 'access_denied: the user declined, or an org policy blocks the integration'
  },
  invalid_scope: {
    status: 403,
    exitCode: 4,
    title: 'Webex refused the requested scopes',
    summary: 'Webex would not issue a token for these scopes to the user who signed in.',
    causes: [
      'The signed-in user does not hold the role these scopes need: spark-admin:* scopes need an admin role, spark-compliance:* scopes need the Compliance Officer role, and some need more (audit:events_read a full admin, analytics:read_all Pro Pack).',
      'Or the integration is not registered for one of these scopes: each scope must be ticked on the integration in the Webex developer portal.'
    ],
    next: [
      'Sign in as a user who holds the role (Control Hub → Users → the user → Administrator roles), or ask a full admin to grant it.',
      'Compare the requested scopes (listed above) with the ones registered on your integration, and add any that are missing.',
      'Or start again with fewer scopes.'
    ],
    cli: 'invalid_scope: the user lacks the role, or the scope is not registered'
  },
  state_invalid: {
    status: 400,
    exitCode: 5,
    title: 'This sign-in link is no longer valid',
    summary: 'The answer from Webex could not be matched to a sign-in started in this browser, so it was not used.',
    causes: [
      'The page was reloaded, or the back button replayed a finished sign-in: tokens are shown once and never stored.',
      'The sign-in was started more than 10 minutes ago, in another browser, or cookies are blocked for this site.',
      'Or someone tried to make this browser accept a sign-in it did not start.'
    ],
    next: ['Start a new sign-in from the start page.'],
    cli: 'state_invalid: the answer did not match the sign-in'
  },
  invalid_grant: {
    status: 400,
    exitCode: 6,
    title: 'Webex rejected the authorization code or refresh token',
    summary: 'The code or refresh token was expired, already used, or did not match this sign-in.',
    causes: [
      'The code was already exchanged, or it expired before it reached this app.',
      'The redirect URI or the PKCE verifier did not match the ones used to start the sign-in.',
      'A refresh token was revoked, has expired (about 90 days) or belongs to another integration.'
    ],
    next: ['Start a new sign-in. For a refresh token, sign in again to get a new one.'],
    cli: 'invalid_grant: code or refresh token expired, used or revoked'
  },
  invalid_client: {
    status: 502,
    exitCode: 7,
    title: 'Webex did not accept this integration\'s credentials',
    summary: 'The token endpoint rejected the client id or client secret this app is configured with.',
    causes: ['CLIENT_ID or CLIENT_SECRET is wrong, or the secret was regenerated in the developer portal.'],
    next: ['Copy the Client ID and Client Secret from your integration in the Webex developer portal into .env.local, then restart.'],
    cli: 'invalid_client: wrong CLIENT_ID or CLIENT_SECRET'
  },
  webex_unavailable: {
    status: 502,
    exitCode: 8,
    title: 'Webex could not be reached or answered badly',
    summary: 'The request to Webex failed before a usable answer came back.',
    causes: ['A network problem, a timeout, Webex being busy or rate-limiting, or an answer this app could not read.'],
    next: ['Wait a moment and start again. If it persists, check status.webex.com and give Cisco support the tracking id below.'],
    cli: 'webex_unavailable: network error, timeout, 5xx, 429, unreadable answer'
  },
  webex_refused: {
    status: 502,
    exitCode: 12,
    title: 'Webex refused the request',
    summary: 'Webex answered the token request with an error this app cannot narrow down further; its own words are below.',
    causes: [
      'A parameter Webex expects was missing or malformed (invalid_request), or Webex does not allow this grant for the integration.',
      'The integration may be disabled, or not allowed in the org of the user who signed in.'
    ],
    next: ['Read Webex\'s words below. Start again; if it persists, give Cisco support the tracking id.'],
    cli: 'webex_refused: Webex refused the token request (invalid_request or another 4xx)'
  },
  id_token_invalid: {
    status: 502,
    exitCode: 13,
    title: 'The sign-in proof (id_token) did not verify',
    summary: 'Webex\'s answer carried an OpenID id_token that failed verification, so nothing from this sign-in was used.',
    causes: [
      'The id_token was not signed by a key Webex publishes, was issued to another client, has expired, or carries the wrong nonce.',
      'A clock far off on this machine makes a fresh id_token look expired or not yet valid.',
      'Or something between this app and Webex altered the answer, or replayed an old one.'
    ],
    next: ['Check that this machine\'s clock is right, then start a new sign-in. If it persists, give Cisco support the tracking id.'],
    cli: 'id_token_invalid: the OpenID id_token did not verify (signature, aud, iss, exp, nonce)'
  },
  timeout: {
    status: 504,
    exitCode: 9,
    title: 'Timed out waiting for the browser',
    summary: 'No answer came back from the browser in time.',
    causes: ['The consent screen was left open, or the browser never reached the redirect URI.'],
    next: ['Run the command again, and finish the sign-in in the browser within the timeout.'],
    cli: 'timeout: no answer from the browser in time'
  },
  token_invalid: {
    status: 401,
    exitCode: 10,
    title: 'Webex does not accept this access token',
    summary: 'The access token is invalid, expired or revoked.',
    causes: ['The token has expired (access tokens live about 14 days), was revoked, was mistyped, or belongs to another environment (FedRAMP, sandbox).'],
    next: ['Use the refresh token to get a new access token, or sign in again.'],
    cli: 'token_invalid: Webex does not accept the access token'
  },
  sandbox_token: {
    status: 400,
    exitCode: 11,
    title: 'Sandbox tokens work only with the sandbox that issued them',
    summary: 'No CLIENT_ID is set, so this command would ask the sandbox, and no sandbox (`npm start` in sandbox mode) answers at REDIRECT_URI\'s port: a sandbox\'s tokens mean nothing anywhere else.',
    causes: ['The token came from a sandbox that is no longer running: an earlier `npm start`, or an earlier `token` command, whose sandbox ends with it.'],
    next: [
      'To rehearse with sandbox tokens (a crontab line, say), keep `npm start` running in sandbox mode, get the tokens from its page (the .env download), and run this command against them while it runs.',
      'To use real Webex, set CLIENT_ID and CLIENT_SECRET (in .env.local or the environment) and sign in again.'
    ],
    cli: 'sandbox_token: no CLIENT_ID, and no running sandbox (npm start) at REDIRECT_URI\'s port knows this token'
  },
  rate_limited: {
    status: 429,
    exitCode: 8,
    title: 'Too many attempts',
    summary: 'This app refused the request because too many came from your address in a short time.',
    causes: ['Many sign-ins, refreshes or checks were started in a row, perhaps by a script or a stuck browser tab.'],
    next: ['Wait for the time shown below, then start again.']
  },
  misdirected: {
    status: 421,
    exitCode: 2,
    title: 'Wrong host name',
    summary: 'This app answers only to the host names it is configured for.',
    causes: ['The page was reached through a host name other than the one in REDIRECT_URI, localhost or 127.0.0.1: for instance through a DNS-rebinding page.'],
    next: ['Open the app at the address it printed when it started.']
  },
  not_found: {
    status: 404,
    exitCode: 2,
    title: 'Page not found',
    summary: 'There is no page at this address.',
    causes: ['The link is mistyped or out of date.'],
    next: ['Go to the start page.']
  },
  forbidden: {
    status: 403,
    exitCode: 14,
    title: 'Webex did not allow this',
    summary: 'Webex accepted the token but refused the request: the signed-in user or the token may not do this.',
    causes: [
      'The signed-in user is not a full, user or device administrator of the org. Webex does not let a read-only administrator list or revoke grants.',
      'The token lacks the scope this needs: identity:tokens_read to list grants, identity:tokens_write to revoke them.',
      'To revoke your own grant, the token must come from the same integration (client id) as the grant.'
    ],
    next: ['Sign in again as a full, user or device administrator, with identity:tokens_read and identity:tokens_write (the Grants page asks for both).'],
    cli: 'forbidden: the user lacks the admin role, or the token lacks the scope'
  },
  webex_not_found: {
    status: 404,
    exitCode: 15,
    title: 'Webex found no such person or grant',
    summary: 'Webex answered that what was asked for does not exist.',
    causes: ['The email address is not a user of this org, or the grant was already revoked (or expired) since the list was shown.'],
    next: ['Check the email address, or list the grants again.'],
    cli: 'webex_not_found: no such person, grant or client in the org'
  },
  device_code_expired: {
    status: 400,
    exitCode: 16,
    title: 'The sign-in code expired',
    summary: 'Nobody approved the sign-in on the other device before the code expired.',
    causes: ['The code was not entered at the verification page in time, or it was entered and left undecided.'],
    next: ['Run the command again and enter the new code before it expires.'],
    cli: 'device_code_expired: --device: the code expired before anyone approved it'
  },
  service_app_not_authorized: {
    status: 403,
    exitCode: 17,
    title: 'The Service App is not authorized in that org',
    summary: 'Webex will not make tokens for this Service App in the target org until a full administrator of that org authorizes it.',
    causes: [
      'No full administrator of the target org has authorized the Service App yet, or the authorization was revoked.',
      'The target org id is not the org where the app was authorized.'
    ],
    next: [
      'A full administrator of the target org authorizes it in Control Hub: Apps → Service Apps → the app → Authorize. Then try again.',
      'Check the target org id: by default it is the org of the admin who signed in here.'
    ],
    cli: 'service_app_not_authorized: a full admin has not authorized the Service App in the target org'
  },
  service_app_secret_invalid: {
    status: 400,
    exitCode: 7,
    title: 'Webex did not accept the Service App\'s client id or secret',
    summary: 'The client id or client secret given for the Service App is not the app\'s current one. This tool\'s own CLIENT_ID and CLIENT_SECRET are not involved: leave them as they are.',
    causes: [
      'The secret was mistyped, or it was regenerated in the developer portal, which replaces the old one.',
      'It is another app\'s secret, or this tool\'s integration secret, instead of the Service App\'s.'
    ],
    next: [
      'Copy the Service App\'s client id and client secret from its page in the developer portal (My Webex Apps → the Service App). If nobody kept the secret, regenerate it there, and update every script that uses it.'
    ],
    cli: 'service_app_secret_invalid: the Service App\'s client id or secret is wrong'
  },
  token_limit_reached: {
    status: 403,
    exitCode: 18,
    title: 'Webex will issue no more tokens for this integration',
    summary: 'Webex answered tokenlimit_reached: the person already holds as many live tokens of this integration as Webex allows.',
    causes: [
      'Scripts or earlier sign-ins made many tokens of this integration for the same person, and none were revoked: each sign-in leaves a grant behind until it expires or is revoked.'
    ],
    next: [
      'Revoke this integration\'s old grants: on the Grants page (sign in, find this integration under the person, Revoke), or with `webex-token-issuer grants revoke --client-id <CLIENT_ID>`. Then sign in again.',
      'In scripts, refresh the tokens you hold (`webex-token-issuer refresh`) instead of signing in again each time.'
    ],
    cli: 'token_limit_reached: Webex issues no more tokens of this integration to this person; revoke old grants'
  },
  unknown_error: {
    status: 502,
    exitCode: 1,
    title: 'Something went wrong',
    summary: 'The sign-in failed for a reason this app does not recognize.',
    causes: ['Webex answered with an error this app has no explanation for, or the app hit an unexpected problem.'],
    next: ['Start again. If it persists, report it with the tracking id below.'],
    cli: 'unexpected error, or an error Webex gave that this tool does not know'
  }
}

/** Exit codes that are not error kinds: the CLI's own outcomes. */
export const EXIT = {
  ok: 0,
  /** Unexpected errors, and the CLI's loopback port already taken. */
  failure: 1,
  usage: 2,
  /** Bad configuration (sysexits EX_CONFIG). */
  config: 78,
  /** Ctrl-C: 128 + SIGINT. */
  cancelled: 130,
  /** stdout closed under us (`… | head`): 128 + SIGPIPE, as the shell reports for other tools. */
  pipeClosed: 141
} as const

/** The exit-code table that every subcommand's --help ends with, made from the catalogue above. */
/**
 * The exit-code table for --help: every code (the root --help), or only those a command can end
 * with (`kinds`, besides usage, configuration, Ctrl-C, a closed stdout and the unexpected).
 */
export function exitCodeHelp (kinds?: readonly ErrorKind[]): string {
  const lines = new Map<number, string[]>([[EXIT.ok, ['success']], [EXIT.failure, ['a port in use, or --out not written after all (the tokens are kept in a private file)']]])
  for (const [kind, entry] of Object.entries(ERRORS) as Array<[ErrorKind, ErrorEntry]>) {
    if (entry.cli === undefined || (kinds !== undefined && kind !== 'bad_request' && kind !== 'unknown_error' && !kinds.includes(kind))) continue
    lines.set(entry.exitCode, [...(lines.get(entry.exitCode) ?? []), entry.cli])
  }
  lines.set(EXIT.config, ['configuration error'])
  lines.set(EXIT.cancelled, ['cancelled (Ctrl-C)'])
  lines.set(EXIT.pipeClosed, ['stdout was closed early (as with | head)'])
  const rows = [...lines].sort(([a], [b]) => a - b).map(([code, texts]) => `  ${String(code).padEnd(4)}${texts.join('; ')}`)
  return `\nExit codes:\n${rows.join('\n')}`
}

export interface ErrorDetails {
  /** Webex's own words (error_description or message), shown escaped. */
  webexDescription?: string
  /** Webex's error code, such as invalid_request. */
  webexError?: string
  trackingId?: string
  /** Seconds Webex asked us to wait (429, 423). */
  retryAfter?: number
  /** Scopes the flow asked for, shown on invalid_scope and access_denied pages. */
  requestedScopes?: readonly string[]
  /** A more specific sentence that replaces the summary. */
  reason?: string
  /** Overrides the catalogue status (502/503/504 for webex_unavailable). */
  status?: number
}

/** A failure with a kind; the web error handler and the CLI turn it into a page or an exit. */
export class AppError extends Error {
  readonly kind: ErrorKind
  readonly details: ErrorDetails
  constructor (kind: ErrorKind, details: ErrorDetails = {}) {
    super(details.reason ?? ERRORS[kind].summary)
    this.name = 'AppError'
    this.kind = kind
    this.details = details
  }

  get status (): number {
    return this.details.status ?? ERRORS[this.kind].status
  }
}

/** Maps an OAuth error code (from a redirect or a token answer) to our kind. */
export function kindOfOAuthError (code: string | undefined): ErrorKind | undefined {
  switch (code) {
    case 'access_denied': return 'access_denied'
    case 'invalid_scope': return 'invalid_scope'
    case 'invalid_grant': return 'invalid_grant'
    case 'invalid_client':
    case 'unauthorized_client': return 'invalid_client'
    case 'tokenlimit_reached': return 'token_limit_reached'
    case 'expired_token': return 'device_code_expired'
    case 'server_error':
    case 'temporarily_unavailable': return 'webex_unavailable'
    case 'invalid_request':
    case 'unsupported_grant_type':
    case 'unsupported_response_type': return 'webex_refused'
    default: return undefined
  }
}
