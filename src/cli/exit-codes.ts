// The exit code the CLI ends with for each kind of failure, and the line --help gives it; the
// root --help and the README list them all.
import type { ErrorKind } from '../errors.ts'
import { EXIT } from '../exit-status.ts'

export interface ExitCode {
  readonly exitCode: number
  /** The line of the exit-code table, for the kinds the CLI can end with. */
  readonly cli?: string
}

export const EXIT_CODES: Readonly<Record<ErrorKind, ExitCode>> = {
  bad_request: { exitCode: 2, cli: 'bad request or usage: no scope, unknown scope, bad flag, unreadable input' },
  access_denied: { exitCode: 3, cli: 'access_denied: the user declined, or an org policy blocks the integration' },
  invalid_scope: { exitCode: 4, cli: 'invalid_scope: the user lacks the role, or the scope is not registered' },
  state_invalid: { exitCode: 5, cli: 'state_invalid: the answer did not match the sign-in' },
  invalid_grant: { exitCode: 6, cli: 'invalid_grant: code or refresh token expired, used or revoked' },
  invalid_client: { exitCode: 7, cli: 'invalid_client: wrong CLIENT_ID or CLIENT_SECRET' },
  webex_unavailable: { exitCode: 8, cli: 'webex_unavailable: network error, timeout, 5xx, 429, unreadable answer' },
  webex_refused: {
    exitCode: 12,
    cli: 'webex_refused: Webex refused the token request (invalid_request or another 4xx)'
  },
  id_token_invalid: {
    exitCode: 13,
    cli: 'id_token_invalid: the OpenID id_token did not verify (signature, aud, iss, exp, nonce)'
  },
  timeout: { exitCode: 9, cli: 'timeout: no answer from the browser in time' },
  token_invalid: { exitCode: 10, cli: 'token_invalid: Webex does not accept the access token' },
  sandbox_token: {
    exitCode: 11,
    cli: 'sandbox_token: the sandbox that issued these tokens is not running, or could not prove it is yours'
  },
  rate_limited: { exitCode: 8 },
  misdirected: { exitCode: 2 },
  not_found: { exitCode: 2 },
  forbidden: { exitCode: 14, cli: 'forbidden: the user lacks the admin role, or the token lacks the scope' },
  webex_not_found: { exitCode: 15, cli: 'webex_not_found: no such person, grant or client in the org' },
  device_code_expired: {
    exitCode: 16,
    cli: 'device_code_expired: --device: the code expired before anyone approved it'
  },
  service_app_not_authorized: {
    exitCode: 17,
    cli: 'service_app_not_authorized: a full admin has not authorized the Service App in the target org'
  },
  service_app_secret_invalid: {
    exitCode: 7,
    cli: "service_app_secret_invalid: the Service App's client id or secret is wrong"
  },
  token_limit_reached: {
    exitCode: 18,
    cli: 'token_limit_reached: Webex issues no more tokens of this integration to this person; revoke old grants'
  },
  unknown_error: { exitCode: 1, cli: 'unexpected error, or an error Webex gave that this tool does not know' }
}

/** Exit codes that are not error kinds: the CLI's own outcomes. */
export { EXIT } from '../exit-status.ts'

/**
 * The exit-code table for --help: every code (the root --help), or only those a command can end
 * with (`kinds`, besides usage, configuration, Ctrl-C, a closed stdout and the unexpected).
 */
export function exitCodeHelp (kinds?: readonly ErrorKind[]): string {
  const lines = new Map<number, string[]>([
    [EXIT.ok, ['success']],
    [EXIT.failure, ['a port in use, or --out not written after all (the tokens are kept in a private file)']]
  ])
  for (const [kind, entry] of Object.entries(EXIT_CODES) as Array<[ErrorKind, ExitCode]>) {
    if (
      entry.cli === undefined ||
      (kinds !== undefined && kind !== 'bad_request' && kind !== 'unknown_error' && !kinds.includes(kind))
    ) {
      continue
    }
    lines.set(entry.exitCode, [...(lines.get(entry.exitCode) ?? []), entry.cli])
  }
  lines.set(EXIT.config, ['configuration error'])
  lines.set(EXIT.cancelled, ['cancelled (Ctrl-C)'])
  lines.set(EXIT.pipeClosed, ['stdout was closed early (as with | head)'])
  const rows = [...lines]
    .sort(([a], [b]) => a - b)
    .map(([code, texts]) => `  ${String(code).padEnd(4)}${texts.join('; ')}`)
  return `\nExit codes:\n${rows.join('\n')}`
}
