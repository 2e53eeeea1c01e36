// What a Webex error answer means, decided from its status and body alone: a pure function
// of the answer (docs/webex-contract.md, "Token", "Device grant", "Errors"), table-tested in
// test/classify.test.ts with every answer shape the contract lists. Webex's words are scrubbed
// of every secret we hold before they are kept.
import * as z from 'zod'
import { AppError, type ErrorKind } from '../errors.ts'

export const errorAnswer = z
  .object({
    error: z.string().max(200).optional(),
    error_description: z.string().optional(),
    message: z.string().optional(),
    errors: z.array(z.object({ description: z.string().optional() }).loose()).optional(),
    trackingId: z.string().max(200).optional(),
    trackingID: z.string().max(200).optional()
  })
  .loose()

export type ErrorAnswer = z.infer<typeof errorAnswer>

/** Parses a JSON body without letting the parser's message (which quotes the body) escape. */
export function jsonOf (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Replaces every secret we hold with a marker, so Webex's own words can be shown and logged. */
export function scrub (text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 6) continue
    // As sent, and in the encodings a server might echo it in: percent-encoded (either way of
    // writing a space), base64, base64url, and inside a JSON string.
    const forms = new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64').replace(/=+$/, ''),
      Buffer.from(secret).toString('base64url'),
      JSON.stringify(secret).slice(1, -1)
    ])
    for (const form of forms) if (form.length >= 6) out = out.split(form).join('[redacted]')
  }
  return out
}

export function parseRetryAfter (value: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined) return undefined
  if (/^\d+$/.test(raw.trim())) return Math.min(Number(raw), 86_400)
  const date = Date.parse(raw)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

/** The OAuth error codes Webex may name in its answers (docs/webex-contract.md, "Token", "Device grant"). */
const OAUTH_ERROR_CODES = [
  'access_denied',
  'invalid_scope',
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'invalid_request',
  'unsupported_grant_type',
  'unsupported_response_type',
  'server_error',
  'temporarily_unavailable',
  'tokenlimit_reached',
  'expired_token',
  'authorization_pending',
  'slow_down'
]
const NAMED_CODE = new RegExp(`(?:^|[^a-z_])(${OAUTH_ERROR_CODES.join('|')})(?:$|[^a-z_])`)

/**
 * The OAuth error code of an error answer in either of Webex's shapes: `{error,
 * error_description}`, or `{message, errors: [{description}]}` with the code named in a
 * description or the message (docs/webex-contract.md, "Device grant").
 */
export function oauthErrorCode (body: {
  error?: string | undefined
  message?: string | undefined
  errors?: Array<{ description?: string | undefined }> | undefined
}): string | undefined {
  if (body.error !== undefined) return body.error
  for (const text of [...(body.errors ?? []).map((e) => e.description), body.message]) {
    const match = text === undefined ? null : NAMED_CODE.exec(text)
    if (match !== null) return match[1]
  }
  return undefined
}

export function kindOfWebexMessage (status: number, text: string | undefined): ErrorKind | undefined {
  if (text === undefined) return undefined
  const words = text.toLowerCase()
  if (/client[ _]?id|client[ _]?secret|client authentication|unknown client|invalid client/.test(words)) {
    return 'invalid_client'
  }
  if (/grant[ _]?type/.test(words)) return 'webex_refused'
  if (/code|refresh[ _]?token|verifier|redirect[ _]?uri|expired|revoked|grant/.test(words)) return 'invalid_grant'
  if (status >= 400 && status < 500) return 'webex_refused'
  return undefined
}

/** Maps an OAuth error code (from a redirect or a token answer) to our kind. */
export function kindOfOAuthError (code: string | undefined): ErrorKind | undefined {
  switch (code) {
    case 'access_denied':
      return 'access_denied'
    case 'invalid_scope':
      return 'invalid_scope'
    case 'invalid_grant':
      return 'invalid_grant'
    case 'invalid_client':
    case 'unauthorized_client':
      return 'invalid_client'
    case 'tokenlimit_reached':
      return 'token_limit_reached'
    case 'expired_token':
      return 'device_code_expired'
    case 'server_error':
    case 'temporarily_unavailable':
      return 'webex_unavailable'
    case 'invalid_request':
    case 'unsupported_grant_type':
    case 'unsupported_response_type':
      return 'webex_refused'
    default:
      return undefined
  }
}

export interface AnswerFacts {
  /** The Retry-After header, for 429 and 423. */
  retryAfter?: string | string[] | undefined
  /** Our tracking id of the request, when Webex's answer names none. */
  trackingId?: string
  /** Every secret that may appear in Webex's words: scrubbed from all we keep. */
  secrets: ReadonlyArray<string | undefined>
  now: number
}

/**
 * The AppError of a failed token-endpoint answer (or any answer not made with a token): its
 * OAuth code in either of Webex's shapes, its words where they are clear, else by status.
 */
export function classifyWebexError (status: number, text: string, facts: AnswerFacts): AppError {
  const parsed = errorAnswer.safeParse(jsonOf(text))
  const body = parsed.success ? parsed.data : {}
  const rawDescription =
    body.error_description ?? body.errors?.find((e) => e.description !== undefined)?.description ?? body.message
  // Every field of Webex's answer that is shown or logged is scrubbed, not the description alone.
  const clean = (value: string | undefined, max: number) =>
    value === undefined ? undefined : scrub(value, facts.secrets).slice(0, max)
  const webexDescription = clean(rawDescription, 500)
  const trackingId = clean(body.trackingId ?? body.trackingID ?? facts.trackingId, 200)
  const details = { webexDescription, webexError: clean(oauthErrorCode(body), 200), trackingId }
  if (status === 429 || status === 423) {
    const retryAfter = parseRetryAfter(facts.retryAfter, facts.now)
    return new AppError('webex_unavailable', {
      ...details,
      status: 503,
      retryAfter,
      fact: { is: 'rate_limited', status, retryAfter }
    })
  }
  const code = oauthErrorCode(body)
  const kind: ErrorKind | undefined =
    kindOfOAuthError(code) ?? (code === undefined ? kindOfWebexMessage(status, rawDescription) : undefined)
  if (kind !== undefined) {
    return new AppError(kind, { ...details, status: kind === 'webex_unavailable' ? 502 : undefined })
  }
  if (status >= 500) {
    return new AppError('webex_unavailable', {
      ...details,
      fact: { is: 'server_error', status },
      status: status === 503 ? 503 : 502
    })
  }
  if (status === 401) return new AppError('invalid_client', details)
  return new AppError(status >= 400 && status < 500 ? 'webex_refused' : 'unknown_error', {
    ...details,
    fact: { is: 'http_status', status, webexError: details.webexError }
  })
}

/**
 * The AppError of a failed API call made with a token: 401 the token, 403 the user's role or
 * the token's scopes, 404 what was asked for; the rest as any other failure.
 */
export function classifyApiError (status: number, text: string, facts: AnswerFacts): AppError {
  if (status === 401) return new AppError('token_invalid', { trackingId: facts.trackingId })
  const error = classifyWebexError(status, text, facts)
  if (status === 403) return new AppError('forbidden', { ...error.details, fact: undefined, status: undefined })
  if (status === 404) return new AppError('webex_not_found', { ...error.details, fact: undefined, status: undefined })
  // Other 4xx: Webex's words, not the token endpoint's word-matching (an API message may well say "code").
  if (status >= 400 && status < 500 && error.kind !== 'webex_unavailable') {
    return new AppError('webex_refused', {
      ...error.details,
      fact: { is: 'api_refused', status },
      status: undefined
    })
  }
  return error
}
