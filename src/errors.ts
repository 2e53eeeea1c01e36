// Every failure has a kind. The kind carries the HTTP status and the one sentence that is the
// error's message; what a page says about it (src/web/error-text.ts) and the exit code the CLI
// ends with (src/cli/exit-codes.ts) are presentation, beside the code that shows them.

export const ERROR_KINDS = {
  bad_request: {
    status: 400,
    summary: 'The form or link did not contain a usable request, so no sign-in was started.'
  },
  access_denied: {
    status: 403,
    summary: 'Webex did not grant access: the consent screen was declined, or an org policy blocks this integration.'
  },
  invalid_scope: { status: 403, summary: 'Webex would not issue a token for these scopes to the user who signed in.' },
  state_invalid: {
    status: 400,
    summary: 'The answer from Webex could not be matched to a sign-in started in this browser, so it was not used.'
  },
  invalid_grant: {
    status: 400,
    summary: 'The code or refresh token was expired, already used, or did not match this sign-in.'
  },
  invalid_client: {
    status: 502,
    summary: 'The token endpoint rejected the client id or client secret this app is configured with.'
  },
  webex_unavailable: { status: 502, summary: 'The request to Webex failed before a usable answer came back.' },
  webex_refused: {
    status: 502,
    summary:
      'Webex answered the token request with an error this app cannot narrow down further; its own words are below.'
  },
  id_token_invalid: {
    status: 502,
    summary:
      "Webex's answer carried an OpenID id_token that failed verification, so nothing from this sign-in was used."
  },
  timeout: { status: 504, summary: 'No answer came back from the browser in time.' },
  token_invalid: { status: 401, summary: 'The access token is invalid, expired or revoked.' },
  sandbox_token: {
    status: 400,
    summary:
      "These are a sandbox's tokens, and no sandbox of yours (`npm start` in sandbox mode) proves it runs where they were issued, so nothing was sent: a sandbox's tokens mean nothing anywhere else."
  },
  rate_limited: {
    status: 429,
    summary: 'This app refused the request because too many came from your address in a short time.'
  },
  misdirected: { status: 421, summary: 'This app answers only to the host names it is configured for.' },
  not_found: { status: 404, summary: 'There is no page at this address.' },
  forbidden: {
    status: 403,
    summary: 'Webex accepted the token but refused the request: the signed-in user or the token may not do this.'
  },
  webex_not_found: { status: 404, summary: 'Webex answered that what was asked for does not exist.' },
  device_code_expired: {
    status: 400,
    summary: 'Nobody approved the sign-in on the other device before the code expired.'
  },
  service_app_not_authorized: {
    status: 403,
    summary:
      'Webex will not make tokens for this Service App in the target org until a full administrator of that org authorizes it.'
  },
  service_app_secret_invalid: {
    status: 400,
    summary:
      "The client id or client secret given for the Service App is not the app's current one. This tool's own CLIENT_ID and CLIENT_SECRET are not involved: leave them as they are."
  },
  token_limit_reached: {
    status: 403,
    summary:
      'Webex answered tokenlimit_reached: the person already holds as many live tokens of this integration as Webex allows.'
  },
  unknown_error: { status: 502, summary: 'The sign-in failed for a reason this app does not recognize.' }
} as const satisfies Record<string, { status: number, summary: string }>

export type ErrorKind = keyof typeof ERROR_KINDS

/**
 * What the domain found, where one kind has several causes a person should tell apart: the
 * presentation words each (web/error-text.ts FACT_TEXT, which the CLI prints too).
 */
export type ErrorFact =
  | { is: 'state_mismatch' | 'flow_expired' | 'flow_spent' | 'callback_malformed' | 'callback_empty' }
  | {
    is:
      | 'id_token_expired'
      | 'id_token_audience'
      | 'id_token_issuer'
      | 'id_token_not_yet_valid'
      | 'id_token_signature'
      | 'id_token_unknown_key'
      | 'id_token_algorithm'
      | 'id_token_malformed'
      | 'id_token_several_audiences'
      | 'id_token_authorized_party'
      | 'id_token_nonce'
      | 'id_token_missing'
      | 'id_token_unasked'
  }
  | { is: 'id_token_claim', claim: string }
  | {
    is:
      | 'webex_timeout'
      | 'answer_too_large'
      | 'dns_failed'
      | 'connection_refused'
      | 'connection_failed'
      | 'device_grant_unregistered'
      | 'device_code_spent'
      | 'applications_token_missing'
      | 'openid_keys_insecure'
      | 'openid_no_userinfo'
  }
  | { is: 'answer_unreadable', what: string }
  | { is: 'rate_limited', status: number, retryAfter?: number | undefined }
  | { is: 'server_error', status: number }
  | { is: 'api_refused', status: number }
  | { is: 'http_status', status: number, webexError?: string | undefined }
  | { is: 'not_a_webex_id', what: string }
  | { is: 'service_app_unknown', applicationId: string }

export interface ErrorDetails {
  /** What was found, for the page or the CLI to word (instead of `reason`). */
  fact?: ErrorFact
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

/**
 * A failure with a kind; the web error handler and the CLI turn it into a page or an exit.
 * `cause` keeps the error underneath (a socket's, undici's), as undici's own errors do.
 */
export class AppError extends Error {
  readonly kind: ErrorKind
  readonly details: ErrorDetails
  constructor (kind: ErrorKind, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(details.reason ?? ERROR_KINDS[kind].summary, options)
    this.name = 'AppError'
    this.kind = kind
    this.details = details
  }

  get status (): number {
    return this.details.status ?? ERROR_KINDS[this.kind].status
  }
}
