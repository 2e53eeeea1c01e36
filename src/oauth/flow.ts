// The authorization-code grant's protocol steps, as a library (as oauth4webapi is): one flow's
// secrets (state, PKCE S256 verifier, and for OpenID sign-ins the nonce), the authorize URL, and
// the complete check of an answer at the callback (state, age, spent once, Webex's error or its
// code). Where a flow is kept between the start and the callback (a sealed cookie, the CLI's
// memory) is the caller's business: src/web/flow-cookies.ts for the web app.
import { LRUCache } from 'lru-cache'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import * as z from 'zod'
import { isOpenIdScope } from '../catalogue/rules.ts'
import { AppError } from '../errors.ts'
import { kindOfOAuthError, scrub } from '../webex/classify.ts'

export const FLOW_TTL_MS = 10 * 60 * 1000

export interface FlowState {
  state: string
  verifier: string
  scopes: string[]
  createdAt: number
  /** Sent when an OpenID scope is requested; the id_token must carry it back. */
  nonce?: string
  /** What the sign-in is for: tokens to show (the default), or the Grants or Service App page's own sign-in. */
  purpose?: FlowPurpose
}

export type FlowPurpose = 'tokens' | 'grants' | 'service-app'

function base64url (bytes: Buffer): string {
  return bytes.toString('base64url')
}

export function pkceChallenge (verifier: string): string {
  return base64url(createHash('sha256').update(verifier).digest())
}

/** A fresh flow: state and verifier always, a nonce when any OpenID scope is requested. */
export function createFlow (
  scopes: readonly string[],
  now: number,
  options: { purpose?: FlowPurpose, random?: (n: number) => Buffer } = {}
): FlowState {
  const { purpose = 'tokens', random = randomBytes } = options
  const flow: FlowState = {
    state: base64url(random(32)),
    verifier: base64url(random(32)),
    scopes: [...scopes],
    createdAt: now
  }
  if (purpose !== 'tokens') flow.purpose = purpose
  if (scopes.some(isOpenIdScope)) flow.nonce = base64url(random(32))
  return flow
}

/** What Webex appends to the redirect URI (docs/webex-contract.md, "Authorize"). */
export const callbackQuery = z.object({
  code: z.string().min(1).max(2048).optional(),
  state: z.string().max(2048).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional()
})

export type CallbackQuery = z.infer<typeof callbackQuery>

/** Parses the callback's query string, or throws bad_request. */
export function parseCallback (query: unknown): CallbackQuery {
  const parsed = callbackQuery.safeParse(query)
  if (!parsed.success) throw malformedCallback()
  return parsed.data
}

/** A callback whose query is not what Webex sends. */
export function malformedCallback (): AppError {
  return new AppError('bad_request', { fact: { is: 'callback_malformed' } })
}

/** Whether a callback carries this flow's state (compared in constant time). */
export function belongsTo (query: CallbackQuery, flow: FlowState): boolean {
  if (query.state === undefined) return false
  const x = Buffer.from(query.state)
  const y = Buffer.from(flow.state)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * The authorization code of a callback that belongsTo its flow, or the failure Webex
 * reported in `?error=`, with Webex's words scrubbed of our secrets. The web app and the
 * CLI both finish a sign-in through this.
 */
export function codeFrom (query: CallbackQuery, flow: FlowState, clientSecret: string): string {
  if (query.error !== undefined) {
    throw new AppError(kindOfOAuthError(query.error) ?? 'unknown_error', {
      webexError: scrub(query.error, [flow.verifier, clientSecret]),
      webexDescription:
        query.error_description === undefined
          ? undefined
          : scrub(query.error_description, [flow.verifier, clientSecret]).slice(0, 500),
      requestedScopes: flow.scopes
    })
  }
  if (query.code === undefined) {
    throw new AppError('bad_request', { fact: { is: 'callback_empty' } })
  }
  return query.code
}

/**
 * The complete check of an answer at the callback against the flow it claims to belong to: its
 * state (in constant time), the flow's age (10 minutes, and not from the future), and that the
 * flow was not already finished, marking it finished here with `spend` (once: a replay fails);
 * then the answer itself, through codeFrom: the error Webex sent, or the code. A refusal is
 * state_invalid with the fact found, for the caller to word.
 */
export function checkCallback (
  query: CallbackQuery,
  flow: FlowState,
  options: { now: number, consumed: ConsumedStates, spend: boolean, clientSecret: string }
): string {
  const { now, consumed, spend, clientSecret } = options
  if (!belongsTo(query, flow)) throw new AppError('state_invalid', { fact: { is: 'state_mismatch' } })
  if (now - flow.createdAt > FLOW_TTL_MS || flow.createdAt > now + 60_000) {
    throw new AppError('state_invalid', { fact: { is: 'flow_expired' } })
  }
  if (spend ? !consumed.consume(flow.state, now) : consumed.spent(flow.state, now)) {
    throw new AppError('state_invalid', { fact: { is: 'flow_spent' } })
  }
  return codeFrom(query, flow, clientSecret)
}

/** How the person picks the Webex account: a chooser (prompt=select_account) and an email to prefill. */
export interface AccountChoice {
  selectAccount: boolean
  loginHint?: string
}

/** An email address as login_hint takes it: one address, no spaces, bounded. */
export const LOGIN_HINT = z.email({ error: 'not an email address' }).max(254, 'too long')

/**
 * The authorize URL. Scopes are joined with %20 and ':' becomes %3A, as Webex's portal
 * does (docs/webex-contract.md, "Authorize"); URLSearchParams would write '+' for spaces.
 */
export function authorizeUrl (
  base: string,
  params: {
    clientId: string
    redirectUri: string
    scopes: readonly string[]
    state: string
    challenge: string
    nonce?: string
    account?: AccountChoice
  }
): string {
  const query: Array<[string, string]> = [
    ['response_type', 'code'],
    ['client_id', params.clientId],
    ['redirect_uri', params.redirectUri],
    ['scope', params.scopes.join(' ')],
    ['state', params.state],
    ['code_challenge', params.challenge],
    ['code_challenge_method', 'S256']
  ]
  if (params.nonce !== undefined) query.push(['nonce', params.nonce])
  if (params.account?.selectAccount === true) query.push(['prompt', 'select_account'])
  if (params.account?.loginHint !== undefined) query.push(['login_hint', params.account.loginHint])
  return `${base}/authorize?${query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`
}

/** Remembers consumed states until they expire, so one instance never exchanges a state twice. */
export class ConsumedStates {
  /** Each spent state and when it may be forgotten; the least recently used goes past the bound. */
  readonly #expiries: LRUCache<string, number>
  constructor (max = 50_000) {
    this.#expiries = new LRUCache({ max })
  }

  /** Whether the state was already consumed (and is still remembered as such). */
  spent (state: string, now: number): boolean {
    const expiry = this.#expiries.get(state)
    return expiry !== undefined && expiry > now
  }

  /** Returns false when the state was already consumed. */
  consume (state: string, now: number): boolean {
    const expiry = this.#expiries.get(state)
    if (expiry !== undefined && expiry > now) return false
    this.#expiries.set(state, now + FLOW_TTL_MS)
    return true
  }
}
