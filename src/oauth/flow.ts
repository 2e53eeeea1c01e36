// One grant flow's secrets: state, PKCE (S256) and, for OpenID sign-ins, the nonce; the
// authorize URL; and the compact payload that the flow cookie carries between the start and
// the callback.
import { LRUCache } from 'lru-cache'
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import * as z from 'zod'
import { isOpenIdScope } from '../catalogue/rules.ts'
import { AppError } from '../errors.ts'
import { kindOfOAuthError, scrub } from '../webex/classify.ts'

export const FLOW_TTL_MS = 10 * 60 * 1000
export const FLOW_COOKIE_PREFIX = 'wti_flow_'
/** Browsers drop cookies over 4096 bytes; stay well under with the signature and attributes. */
export const MAX_FLOW_COOKIE_BYTES = 3500

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

const payloadSchema = z.tuple(
  [
    z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/),
    z.array(z.string().max(200)).max(500),
    z.number().int().nonnegative(),
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .nullable()
  ],
  z.enum(['grants', 'service-app'])
)

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

/** The cookie name is derived from the state, so flows in several tabs each keep their own cookie. */
export function flowCookieName (state: string): string {
  return FLOW_COOKIE_PREFIX + createHash('sha256').update(state).digest('base64url').slice(0, 16)
}

/** The cookie on /start that lists this browser's open flows, oldest first. */
export const FLOW_INDEX_COOKIE = 'wti_flows'
/** A browser keeps at most this many flows in progress, in at most this many cookie bytes; older ones are dropped. */
export const MAX_OPEN_FLOWS = 5
export const MAX_OPEN_FLOW_BYTES = 8192

export interface OpenFlow {
  name: string
  bytes: number
}

/** The index cookie's entries; anything malformed is ignored (the worst case is a flow kept a little longer). */
export function parseFlowIndex (value: string | undefined): OpenFlow[] {
  const entries: OpenFlow[] = []
  for (const part of (value ?? '').split('.').slice(-MAX_OPEN_FLOWS * 2)) {
    const match = /^([A-Za-z0-9_-]{16})~(\d{1,5})$/.exec(part)
    if (match !== null) entries.push({ name: FLOW_COOKIE_PREFIX + (match[1] ?? ''), bytes: Number(match[2]) })
  }
  return entries
}

export function formatFlowIndex (flows: readonly OpenFlow[]): string {
  return flows.map((f) => `${f.name.slice(FLOW_COOKIE_PREFIX.length)}~${f.bytes}`).join('.')
}

/** Adds a new flow and drops the oldest ones past the count and byte caps; the new one is always kept. */
export function capOpenFlows (open: readonly OpenFlow[], added: OpenFlow): { keep: OpenFlow[], drop: OpenFlow[] } {
  const keep = [...open.filter((f) => f.name !== added.name), added]
  const drop: OpenFlow[] = []
  let bytes = keep.reduce((sum, f) => sum + f.bytes, 0)
  while (keep.length > 1 && (keep.length > MAX_OPEN_FLOWS || bytes > MAX_OPEN_FLOW_BYTES)) {
    const oldest = keep.shift() as OpenFlow
    bytes -= oldest.bytes
    drop.push(oldest)
  }
  return { keep, drop }
}

const IV_BYTES = 12
const TAG_BYTES = 16

function encodeFlow (flow: FlowState): Buffer {
  const fields: unknown[] = [flow.state, flow.verifier, flow.scopes, flow.createdAt, flow.nonce ?? null]
  if (flow.purpose !== undefined && flow.purpose !== 'tokens') fields.push(flow.purpose)
  // Deflated, so that a long selection (all 164 scopes: 4 KB of ids) still fits in a cookie.
  return deflateRawSync(JSON.stringify(fields))
}

function decodeFlow (bytes: Buffer): FlowState | undefined {
  const json = inflateRawSync(bytes, { maxOutputLength: 64 * 1024 }).toString('utf8')
  const parsed = payloadSchema.safeParse(JSON.parse(json))
  if (!parsed.success) return undefined
  const [state, verifier, scopes, createdAt, nonce, purpose] = parsed.data
  return {
    state,
    verifier,
    scopes,
    createdAt,
    ...(nonce === null ? {} : { nonce }),
    ...(purpose === undefined ? {} : { purpose })
  }
}

/** The flow cookie's AES-256-GCM key, derived from COOKIE_SECRET with HKDF-SHA256. */
export function flowKey (cookieSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', cookieSecret, 'webex-token-issuer', 'flow cookie v2', 32))
}

/**
 * The flow cookie's value: the flow encrypted with AES-256-GCM under a fresh 96-bit IV, the
 * cookie's name as associated data (so a value cannot be moved to another flow's cookie).
 * Whoever sees the cookie learns neither the verifier nor the nonce, and cannot alter it.
 */
export function sealFlow (flow: FlowState, key: Buffer): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(flowCookieName(flow.state)))
  const body = Buffer.concat([cipher.update(encodeFlow(flow)), cipher.final()])
  return base64url(Buffer.concat([iv, body, cipher.getAuthTag()]))
}

/** Opens a flow cookie's value; undefined for anything altered, sealed under another key or name, or not a flow. */
export function openFlow (value: string, key: Buffer, cookieName: string): FlowState | undefined {
  try {
    const bytes = Buffer.from(value, 'base64url')
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES })
    decipher.setAAD(Buffer.from(cookieName))
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
    return decodeFlow(
      Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()])
    )
  } catch {
    return undefined
  }
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
  return new AppError('bad_request', { reason: 'The answer from Webex was malformed.' })
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
    throw new AppError('bad_request', { reason: 'The answer from Webex carried neither a code nor an error.' })
  }
  return query.code
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
