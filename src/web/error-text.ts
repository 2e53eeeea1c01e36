// What an error page says for each kind of failure: its title, the likely causes in an admin's
// terms, and what to do next. The status and the one-sentence summary are the error's own
// (src/errors.ts); the CLI's loopback page uses the titles too.
import type { AppError, ErrorFact, ErrorKind } from '../errors.ts'
import { DEVICE_HELPER_REDIRECT_URIS } from '../webex/device.ts'

export interface PageText {
  readonly title: string
  /** The likely causes, in an admin's terms. */
  readonly causes: readonly string[]
  /** What to do next. */
  readonly next: readonly string[]
}

export const PAGE_TEXT: Readonly<Record<ErrorKind, PageText>> = {
  bad_request: {
    title: 'That request could not be used',
    causes: ['No scope was chosen, an unknown scope was sent, or the form was changed or incomplete.'],
    next: ['Go back to the start, choose the scopes again and press Start.']
  },
  access_denied: {
    title: 'Access was declined',
    causes: [
      'You (or whoever signed in) pressed Decline on the Webex consent screen.',
      'Your org restricts which integrations its users may authorize: Control Hub → Apps → Integrations.'
    ],
    next: ['Start again and accept the consent screen, or ask a full admin to allow the integration in Control Hub.']
  },
  invalid_scope: {
    title: 'Webex refused the requested scopes',
    causes: [
      'The signed-in user does not hold the role these scopes need: spark-admin:* scopes need an admin role, spark-compliance:* scopes need the Compliance Officer role, and some need more (audit:events_read a full admin, analytics:read_all Pro Pack).',
      'Or the integration is not registered for one of these scopes: each scope must be ticked on the integration in the Webex developer portal.'
    ],
    next: [
      'Sign in as a user who holds the role (Control Hub → Users → the user → Administrator roles), or ask a full admin to grant it.',
      'Compare the requested scopes (listed above) with the ones registered on your integration, and add any that are missing.',
      'Or start again with fewer scopes.'
    ]
  },
  state_invalid: {
    title: 'This sign-in link is no longer valid',
    causes: [
      'The page was reloaded, or the back button replayed a finished sign-in: tokens are shown once and never stored.',
      'The sign-in was started more than 10 minutes ago, in another browser, or cookies are blocked for this site.',
      'Or someone tried to make this browser accept a sign-in it did not start.'
    ],
    next: ['Start a new sign-in from the start page.']
  },
  invalid_grant: {
    title: 'Webex rejected the authorization code or refresh token',
    causes: [
      'The code was already exchanged, or it expired before it reached this app.',
      'The redirect URI or the PKCE verifier did not match the ones used to start the sign-in.',
      'A refresh token was revoked, has expired (about 90 days) or belongs to another integration.'
    ],
    next: ['Start a new sign-in. For a refresh token, sign in again to get a new one.']
  },
  invalid_client: {
    title: "Webex did not accept this integration's credentials",
    causes: ['CLIENT_ID or CLIENT_SECRET is wrong, or the secret was regenerated in the developer portal.'],
    next: [
      'Copy the Client ID and Client Secret from your integration in the Webex developer portal into .env.local, then restart.'
    ]
  },
  webex_unavailable: {
    title: 'Webex could not be reached or answered badly',
    causes: ['A network problem, a timeout, Webex being busy or rate-limiting, or an answer this app could not read.'],
    next: [
      'Wait a moment and start again. If it persists, check status.webex.com and give Cisco support the tracking id below.'
    ]
  },
  webex_refused: {
    title: 'Webex refused the request',
    causes: [
      'A parameter Webex expects was missing or malformed (invalid_request), or Webex does not allow this grant for the integration.',
      'The integration may be disabled, or not allowed in the org of the user who signed in.'
    ],
    next: ["Read Webex's words below. Start again; if it persists, give Cisco support the tracking id."]
  },
  id_token_invalid: {
    title: 'The sign-in proof (id_token) did not verify',
    causes: [
      'The id_token was not signed by a key Webex publishes, was issued to another client, has expired, or carries the wrong nonce.',
      'A clock far off on this machine makes a fresh id_token look expired or not yet valid.',
      'Or something between this app and Webex altered the answer, or replayed an old one.'
    ],
    next: [
      "Check that this machine's clock is right, then start a new sign-in. If it persists, give Cisco support the tracking id."
    ]
  },
  timeout: {
    title: 'Timed out waiting for the browser',
    causes: ['The consent screen was left open, or the browser never reached the redirect URI.'],
    next: ['Run the command again, and finish the sign-in in the browser within the timeout.']
  },
  token_invalid: {
    title: 'Webex does not accept this access token',
    causes: [
      'The token has expired (access tokens live about 14 days), was revoked, was mistyped, or belongs to another environment (FedRAMP, sandbox).'
    ],
    next: ['Use the refresh token to get a new access token, or sign in again.']
  },
  sandbox_token: {
    title: 'Sandbox tokens work only with the sandbox that issued them',
    causes: [
      'The token came from a sandbox that is no longer running: an earlier `npm start`, or an earlier `token` command, whose sandbox ends with it.',
      'Another program answers on the sandbox\'s port and could not prove it is the sandbox you started, so the token was not sent to it.'
    ],
    next: [
      'To rehearse with sandbox tokens (a crontab line, say), keep `npm start` running in sandbox mode, on the port the token file names, get the tokens from its page (the .env download), and run this command against them while it runs.',
      'To use real Webex, set CLIENT_ID and CLIENT_SECRET (in .env.local or the environment) and sign in again.'
    ]
  },
  rate_limited: {
    title: 'Too many attempts',
    causes: ['Many sign-ins, refreshes or checks were started in a row, perhaps by a script or a stuck browser tab.'],
    next: ['Wait for the time shown below, then start again.']
  },
  misdirected: {
    title: 'Wrong host name',
    causes: [
      'The page was reached through a host name other than the one in REDIRECT_URI, localhost or 127.0.0.1: for instance through a DNS-rebinding page.'
    ],
    next: ['Open the app at the address it printed when it started.']
  },
  not_found: {
    title: 'Page not found',
    causes: ['The link is mistyped or out of date.'],
    next: ['Go to the start page.']
  },
  forbidden: {
    title: 'Webex did not allow this',
    causes: [
      'The signed-in user is not a full, user or device administrator of the org. Webex does not let a read-only administrator list or revoke grants.',
      'The token lacks the scope this needs: identity:tokens_read to list grants, identity:tokens_write to revoke them.',
      'To revoke your own grant, the token must come from the same integration (client id) as the grant.'
    ],
    next: [
      'Sign in again as a full, user or device administrator, with identity:tokens_read and identity:tokens_write (the Grants page asks for both).'
    ]
  },
  webex_not_found: {
    title: 'Webex found no such person or grant',
    causes: [
      'The email address is not a user of this org, or the grant was already revoked (or expired) since the list was shown.'
    ],
    next: ['Check the email address, or list the grants again.']
  },
  device_code_expired: {
    title: 'The sign-in code expired',
    causes: ['The code was not entered at the verification page in time, or it was entered and left undecided.'],
    next: ['Run the command again and enter the new code before it expires.']
  },
  service_app_not_authorized: {
    title: 'The Service App is not authorized in that org',
    causes: [
      'No full administrator of the target org has authorized the Service App yet, or the authorization was revoked.',
      'The target org id is not the org where the app was authorized.'
    ],
    next: [
      'A full administrator of the target org authorizes it in Control Hub: Apps → Service Apps → the app → Authorize. Then try again.',
      'Check the target org id: by default it is the org of the admin who signed in here.'
    ]
  },
  service_app_secret_invalid: {
    title: "Webex did not accept the Service App's client id or secret",
    causes: [
      'The secret was mistyped, or it was regenerated in the developer portal, which replaces the old one.',
      "It is another app's secret, or this tool's integration secret, instead of the Service App's."
    ],
    next: [
      "Copy the Service App's client id and client secret from its page in the developer portal (My Webex Apps → the Service App). If nobody kept the secret, regenerate it there, and update every script that uses it."
    ]
  },
  token_limit_reached: {
    title: 'Webex will issue no more tokens for this integration',
    causes: [
      'Scripts or earlier sign-ins made many tokens of this integration for the same person, and none were revoked: each sign-in leaves a grant behind until it expires or is revoked.'
    ],
    next: [
      "Revoke this integration's old grants: on the Grants page (sign in, find this integration under the person, Revoke), or with `webex-token-issuer grants revoke --client-id <CLIENT_ID>`. Then sign in again.",
      'In scripts, refresh the tokens you hold (`webex-token-issuer refresh`) instead of signing in again each time.'
    ]
  },
  unknown_error: {
    title: 'Something went wrong',
    causes: ['Webex answered with an error this app has no explanation for, or the app hit an unexpected problem.'],
    next: ['Start again. If it persists, report it with the tracking id below.']
  }
}

/** The sentence for each fact the domain reports (errors.ts ErrorFact), on a page and in the CLI. */
const FACT_TEXT: { readonly [K in ErrorFact['is']]: (fact: Extract<ErrorFact, { is: K }>) => string } = {
  state_mismatch: () => 'The state returned by Webex does not match the sign-in started in this browser.',
  flow_expired: () => 'The sign-in was started more than 10 minutes ago and has expired.',
  flow_spent: () => 'This sign-in was already finished: tokens are shown only once and never stored.',
  callback_malformed: () => 'The answer from Webex was malformed.',
  callback_empty: () => 'The answer from Webex carried neither a code nor an error.',
  id_token_expired: () => 'The id_token has expired (its exp is in the past).',
  id_token_audience: () =>
    "The id_token was issued to another client: its audience (aud) is not this integration's client id.",
  id_token_issuer: () => "The id_token names an issuer (iss) other than the one in Webex's discovery document.",
  id_token_not_yet_valid: () =>
    "The id_token is not valid yet: its issue time is in the future (check this machine's clock).",
  id_token_claim: (fact) => `The id_token's ${fact.claim} claim is missing or wrong.`,
  id_token_signature: () => "The id_token's signature does not verify against the keys Webex publishes.",
  id_token_unknown_key: () => 'The id_token was signed with a key Webex does not publish.',
  id_token_algorithm: () => 'The id_token is signed with an algorithm this app does not accept.',
  id_token_malformed: () => 'The id_token is not a well-formed signed JWT.',
  id_token_several_audiences: () =>
    'The id_token names several audiences and no authorized party (azp), so it may have been issued for another client.',
  id_token_authorized_party: () =>
    "The id_token was issued to another client: its authorized party (azp) is not this integration's client id.",
  id_token_nonce: () =>
    "The id_token's nonce does not match the one this sign-in sent: the answer may belong to another sign-in, or be replayed.",
  id_token_missing: () => "openid was requested, but Webex's answer carried no id_token.",
  id_token_unasked: () => 'Webex sent an id_token for a sign-in that sent no nonce, so it cannot be checked.',
  webex_timeout: () => 'Webex did not answer in time.',
  answer_too_large: () => 'Webex sent an answer far larger than expected.',
  dns_failed: () => 'The Webex host name could not be resolved (DNS).',
  connection_refused: () => 'The connection to Webex was refused.',
  connection_failed: () => 'The connection to Webex failed or was cut off mid-answer.',
  answer_unreadable: (fact) => `Webex's answer to ${fact.what} was not the JSON this app expects.`,
  rate_limited: (fact) =>
    `Webex is rate-limiting requests (HTTP ${fact.status}).${
      fact.retryAfter === undefined
        ? ''
        : ` Webex asks to wait ${fact.retryAfter} second${fact.retryAfter === 1 ? '' : 's'} before trying again.`
    }`,
  server_error: (fact) => `Webex answered with a server error (HTTP ${fact.status}).`,
  http_status: (fact) =>
    `Webex answered HTTP ${fact.status}${fact.webexError === undefined ? '' : ` (${fact.webexError})`}.`,
  api_refused: (fact) => `Webex refused the request (HTTP ${fact.status}).`,
  device_grant_unregistered: () =>
    `Webex refused this integration for the device grant: its redirect URIs must include Webex's OAuth helper service (${DEVICE_HELPER_REDIRECT_URIS.join(', ')}). Add them to the integration in the developer portal, or check CLIENT_ID.`,
  device_code_spent: () =>
    'Webex no longer accepts this sign-in code: it expired or was already used. Run the command again.',
  not_a_webex_id: (fact) =>
    `The ${fact.what} is not a Webex id (letters, digits and _ = + / - only): check it and try again.`,
  applications_token_missing: () =>
    'The integration token lacks spark:applications_token: sign in again with that scope (the Service App page asks for it).',
  service_app_unknown: (fact) =>
    `Webex knows no Service App with the application id ${fact.applicationId}: copy it from the app's page in the developer portal.`,
  openid_keys_insecure: () => 'The OpenID discovery document names a key set that is not served over https.',
  openid_no_userinfo: () => 'The OpenID discovery document names no https UserInfo endpoint.'
}

/** The words for a fact. */
export function factText (fact: ErrorFact): string {
  return (FACT_TEXT[fact.is] as (fact: ErrorFact) => string)(fact)
}

/** An error's own sentence: its reason, else the words for its fact, else its kind's summary. */
export function errorSentence (error: AppError): string {
  const { reason, fact } = error.details
  return reason ?? (fact === undefined ? error.message : factText(fact))
}
