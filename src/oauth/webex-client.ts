// The one Webex client: token grants, people/me, organizations and authorizations over undici, with
// timeouts, bounded bodies, zod-validated answers and errors mapped to kinds.
import { randomUUID } from 'node:crypto'
import type { Dispatcher } from 'undici'
import * as z from 'zod'
import { AppError, kindOfOAuthError, type ErrorKind } from './errors.ts'
import { DEVICE_GRANT_TYPE, DEVICE_HELPER_REDIRECT_URIS } from './device.ts'

export interface Timeouts {
  /** Longest wait for the status line and headers. */
  headersMs: number
  /** Longest silence while the body arrives. */
  bodyMs: number
  /** Longest a whole call may take. */
  totalMs: number
}

export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 10_000, bodyMs: 10_000, totalMs: 15_000 }
/** base64url of ciscospark://us/ROLE/id_full_admin, as people/me lists it (docs/webex-contract.md, "Roles"). */
export const FULL_ADMIN_ROLE = 'Y2lzY29zcGFyazovL3VzL1JPTEUvaWRfZnVsbF9hZG1pbg'
/** base64url of ciscospark://us/ROLE/id_readonly_admin. */
export const READONLY_ADMIN_ROLE = 'Y2lzY29zcGFyazovL3VzL1JPTEUvaWRfcmVhZG9ubHlfYWRtaW4'

/** Whether people/me says a read-only administrator (and not a full one): Webex refuses their changes. */
export function isReadOnlyAdmin (person: { roles?: readonly string[] | undefined }): boolean {
  const roles = person.roles ?? []
  return roles.includes(READONLY_ADMIN_ROLE) && !roles.includes(FULL_ADMIN_ROLE)
}
const MAX_BODY_BYTES = 256 * 1024
const RETRY_DELAYS_MS = [200, 600]
const MAX_RETRY_AFTER_S = 2

/** An OAuth client: this tool's integration, or a Service App whose tokens are refreshed. */
export interface ClientCredentials { clientId: string, clientSecret: string }

export interface WebexClientOptions {
  baseUrl: string
  clientId: string
  clientSecret: string
  /** The undici dispatcher; without one the client makes its own keep-alive Agent on first use. */
  dispatcher?: Dispatcher
  timeouts?: Timeouts
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

const tokenAnswer = z.object({
  access_token: z.string().min(1).max(4096),
  expires_in: z.coerce.number().int().positive(),
  refresh_token: z.string().min(1).max(4096).optional(),
  refresh_token_expires_in: z.coerce.number().int().positive().optional(),
  token_type: z.string().max(64).optional(),
  scope: z.string().max(16_384).optional(),
  id_token: z.string().min(1).max(16_384).optional()
})

/** The OpenID discovery document: only what verification needs (docs/webex-contract.md, "OpenID Connect"). */
const discoveryAnswer = z.object({
  issuer: z.string().min(1).max(2048),
  jwks_uri: z.url().max(2048),
  userinfo_endpoint: z.url().max(2048).optional()
}).loose()

/** UserInfo's answer: a JSON object of claims, read claim by claim in id-token.ts. */
const userInfoAnswer = z.record(z.string(), z.unknown())

const jwksAnswer = z.object({ keys: z.array(z.object({ kty: z.string() }).loose()).max(100) }).loose()

export interface OpenIdKeys {
  issuer: string
  jwks: { keys: Array<Record<string, unknown>> }
  /** Where the claims of the email, profile, phone and address scopes come from (docs/webex-contract.md, "OpenID Connect"). */
  userinfoEndpoint?: string
}

/** Discovery and keys are kept this long; an unknown key id fetches them again at once. */
const OPENID_CACHE_MS = 60 * 60 * 1000

const errorAnswer = z.object({
  error: z.string().max(200).optional(),
  error_description: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.object({ description: z.string().optional() }).loose()).optional(),
  trackingId: z.string().max(200).optional(),
  trackingID: z.string().max(200).optional()
}).loose()

const personAnswer = z.object({
  id: z.string().min(1),
  emails: z.array(z.string()).default([]),
  displayName: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  orgId: z.string().optional(),
  roles: z.array(z.string()).optional(),
  type: z.string().optional()
}).loose()

/** One grant in GET /authorizations (docs/webex-contract.md, "Authorizations"); fields Webex may leave out are optional. */
const authorizationAnswer = z.object({
  id: z.string().min(1).max(1000),
  applicationId: z.string().max(1000).optional(),
  applicationName: z.string().max(500).optional(),
  clientId: z.string().max(500).optional(),
  personId: z.string().max(1000).optional(),
  created: z.string().max(100).optional(),
  type: z.string().max(40).optional()
}).loose()
const authorizationsAnswer = z.object({ items: z.array(authorizationAnswer).max(10_000) }).loose()

export type Authorization = z.infer<typeof authorizationAnswer>

/** The device grant's first answer (docs/webex-contract.md, "Device grant"). */
const deviceAnswer = z.object({
  device_code: z.string().min(1).max(4096),
  user_code: z.string().min(1).max(64),
  verification_uri: z.url().max(2048),
  verification_uri_complete: z.url().max(4096).optional(),
  expires_in: z.coerce.number().int().positive(),
  interval: z.coerce.number().int().positive().max(300).optional()
}).loose()

export interface DeviceAuthorization { deviceCode: string, userCode: string, verificationUri: string, verificationUriComplete?: string, expiresInS: number, intervalS: number }

const organizationAnswer = z.object({ id: z.string(), displayName: z.string().optional() }).loose()
const tokenExpiryAnswer = z.object({ exp: z.coerce.number() }).loose()

export interface TokenSet {
  accessToken: string
  tokenType: string
  expiresAt: Date
  refreshToken?: string
  refreshTokenExpiresAt?: Date
  /** Scopes Webex says it granted; undefined when the answer had no `scope`. */
  grantedScopes?: string[]
  /** True when a refresh answer had no refresh_token and the one sent was kept. */
  refreshTokenKept?: boolean
  /** The OpenID id_token, when Webex sent one; verify it before trusting any claim. */
  idToken?: string
  /** Webex's tracking id of the token answer, for the audit trail. */
  trackingId?: string
  /**
   * A moment, on Webex's clock (ms), no later than the grant this answer made: its Date header,
   * less the request's duration and a second for the header's rounding. Grants Webex lists as
   * created before it are not this sign-in's (docs/webex-contract.md, "Authorizations").
   */
  webexIssuedAfter?: number
}

export type Person = z.infer<typeof personAnswer>

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, text: string, trackingId: string }

/**
 * Webex's ids (people, orgs, applications, authorizations, client ids): base64 text or a C and
 * hex digits. No dot or colon: `.` and `..` would be path segments that a URL normaliser folds
 * (/applications/../token), so an id outside this alphabet never reaches the network.
 */
export const WEBEX_ID_PATTERN = /^[A-Za-z0-9_=+/-]{1,1000}$/

/** An id for a URL path, checked: a bad_request before anything is sent. */
function pathId (id: string, what: string): string {
  if (!WEBEX_ID_PATTERN.test(id)) throw new AppError('bad_request', { reason: `The ${what} is not a Webex id (letters, digits and _ = + / - only): check it and try again.` })
  return encodeURIComponent(id)
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

function parseRetryAfter (value: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined) return undefined
  if (/^\d+$/.test(raw.trim())) return Math.min(Number(raw), 86_400)
  const date = Date.parse(raw)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

function networkError (err: unknown, trackingId: string): AppError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : ''
  const name = err instanceof Error ? err.name : ''
  const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || name === 'TimeoutError' || name === 'AbortError'
  const reason = timedOut
    ? 'Webex did not answer in time.'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? 'The Webex host name could not be resolved (DNS).'
      : code === 'ECONNREFUSED'
        ? 'The connection to Webex was refused.'
        : 'The connection to Webex failed or was cut off mid-answer.'
  return new AppError('webex_unavailable', { reason, status: timedOut ? 504 : 502, trackingId })
}

/** undici is loaded on the first outbound call: start-up (and the CLI) never wait for it. */
let undiciModule: Promise<typeof import('undici')> | undefined
function loadUndici (): Promise<typeof import('undici')> {
  undiciModule ??= import('undici')
  return undiciModule
}

export function createWebexClient (options: WebexClientOptions) {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS
  let ownAgent: Promise<Dispatcher> | undefined
  function dispatcher (): Promise<Dispatcher> {
    if (options.dispatcher !== undefined) return Promise.resolve(options.dispatcher)
    ownAgent ??= loadUndici().then(({ Agent }) => new Agent({ keepAliveTimeout: 10_000, connections: 64, connect: { timeout: 5_000 } }))
    return ownAgent
  }
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const now = options.now ?? Date.now
  const base = options.baseUrl.replace(/\/+$/, '')

  /** `path` is relative to the base URL; an absolute URL (a JWKS) is used as it is. */
  async function send (method: 'GET' | 'POST' | 'DELETE', path: string, init: { form?: Record<string, string>, json?: object, bearer?: string, basic?: ClientCredentials }): Promise<Answer> {
    const trackingId = `WTI_${randomUUID()}`
    const headers: Record<string, string> = { accept: 'application/json', trackingid: trackingId }
    if (init.bearer !== undefined) headers.authorization = `Bearer ${init.bearer}`
    if (init.basic !== undefined) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(init.basic.clientId)}:${encodeURIComponent(init.basic.clientSecret)}`).toString('base64')}`
    if (init.json !== undefined) headers['content-type'] = 'application/json'
    let body: string | undefined = init.json === undefined ? undefined : JSON.stringify(init.json)
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(init.form).toString()
    }
    try {
      const { request } = await loadUndici()
      const res = await request(/^https?:\/\//.test(path) ? path : `${base}${path}`, {
        method,
        headers,
        body,
        dispatcher: await dispatcher(),
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        signal: AbortSignal.timeout(timeouts.totalMs)
      })
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
        size += bytes.length
        if (size > MAX_BODY_BYTES) {
          res.body.destroy()
          throw new AppError('webex_unavailable', { reason: 'Webex sent an answer far larger than expected.', trackingId })
        }
        chunks.push(bytes)
      }
      const header = res.headers.trackingid
      // Webex's tracking id header is shown and audited: never with our client secret in it.
      return { status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), trackingId: typeof header === 'string' ? scrub(header, [options.clientSecret]).slice(0, 200) : trackingId }
    } catch (err) {
      if (err instanceof AppError) throw err
      throw networkError(err, trackingId)
    }
  }

  /** Parses a JSON body without letting the parser's message (which quotes the body) escape. */
  function json (answer: Answer): unknown {
    try {
      return JSON.parse(answer.text)
    } catch {
      return undefined
    }
  }

  /** Turns a non-2xx answer into an AppError of the right kind, with Webex's words scrubbed of secrets. */
  function failure (answer: Answer, secrets: ReadonlyArray<string | undefined>): AppError {
    const parsed = errorAnswer.safeParse(json(answer))
    const body = parsed.success ? parsed.data : {}
    const rawDescription = body.error_description ?? body.errors?.find((e) => e.description !== undefined)?.description ?? body.message
    // Every field of Webex's answer that is shown or logged is scrubbed, not the description alone.
    const clean = (text: string | undefined, max: number) => text === undefined ? undefined : scrub(text, [...secrets, options.clientSecret]).slice(0, max)
    const webexDescription = clean(rawDescription, 500)
    const trackingId = clean(body.trackingId ?? body.trackingID ?? answer.trackingId, 200)
    const details = { webexDescription, webexError: clean(oauthErrorCode(body), 200), trackingId }
    if (answer.status === 429 || answer.status === 423) {
      const retryAfter = parseRetryAfter(answer.headers['retry-after'], now())
      const wait = retryAfter === undefined ? '' : ` Webex asks to wait ${retryAfter} second${retryAfter === 1 ? '' : 's'} before trying again.`
      return new AppError('webex_unavailable', { ...details, status: 503, retryAfter, reason: `Webex is rate-limiting requests (HTTP ${answer.status}).${wait}` })
    }
    const code = oauthErrorCode(body)
    const kind: ErrorKind | undefined = kindOfOAuthError(code) ?? (code === undefined ? kindOfWebexMessage(answer.status, rawDescription) : undefined)
    if (kind !== undefined) return new AppError(kind, { ...details, status: kind === 'webex_unavailable' ? 502 : undefined })
    if (answer.status >= 500) return new AppError('webex_unavailable', { ...details, reason: `Webex answered with a server error (HTTP ${answer.status}).`, status: answer.status === 503 ? 503 : 502 })
    if (answer.status === 401) return new AppError('invalid_client', details)
    return new AppError(answer.status >= 400 && answer.status < 500 ? 'webex_refused' : 'unknown_error', { ...details, reason: `Webex answered HTTP ${answer.status}${details.webexError === undefined ? '' : ` (${details.webexError})`}.` })
  }

  function parse<T> (answer: Answer, schema: z.ZodType<T>, what: string): T {
    const parsed = schema.safeParse(json(answer))
    if (!parsed.success) {
      throw new AppError('webex_unavailable', { reason: `Webex's answer to ${what} was not the JSON this app expects.`, trackingId: answer.trackingId })
    }
    return parsed.data
  }

  function toTokenSet (answer: z.infer<typeof tokenAnswer>, issuedAt: number): TokenSet {
    return {
      accessToken: answer.access_token,
      tokenType: answer.token_type ?? 'Bearer',
      expiresAt: new Date(issuedAt + answer.expires_in * 1000),
      refreshToken: answer.refresh_token,
      refreshTokenExpiresAt: answer.refresh_token_expires_in === undefined ? undefined : new Date(issuedAt + answer.refresh_token_expires_in * 1000),
      grantedScopes: answer.scope === undefined ? undefined : answer.scope.split(/[\s,]+/).filter((s) => s !== ''),
      ...(answer.id_token === undefined ? {} : { idToken: answer.id_token })
    }
  }

  /** The tokens of a successful token answer, with Webex's tracking id for the audit trail. */
  function tokensOf (answer: Answer, issuedAt: number, what: string): TokenSet {
    return { ...toTokenSet(parse(answer, tokenAnswer, what), issuedAt), trackingId: answer.trackingId }
  }

  /** A token grant is never retried: a sent code may already be spent (docs/webex-contract.md, "Token"). */
  async function grant (form: Record<string, string>, secrets: ReadonlyArray<string | undefined>, client: ClientCredentials = options): Promise<TokenSet> {
    const issuedAt = now()
    const answer = await send('POST', '/access_token', {
      form: { ...form, client_id: client.clientId, client_secret: client.clientSecret }
    })
    const webexDate = Date.parse(String(answer.headers.date ?? ''))
    if (answer.status < 200 || answer.status >= 300) {
      const error = failure(answer, [...secrets, client.clientSecret])
      // Another client's credentials are a Service App's (its refresh): name its secret, not ours.
      if (client !== options && error.kind === 'invalid_client') throw new AppError('service_app_secret_invalid', error.details)
      throw error
    }
    const tokens = tokensOf(answer, issuedAt, 'the token request')
    if (tokens.trackingId !== undefined) tokens.trackingId = scrub(tokens.trackingId, [...secrets, client.clientSecret])
    return Number.isNaN(webexDate) ? tokens : { ...tokens, webexIssuedAfter: webexDate - (now() - issuedAt) - 1000 }
  }

  /**
   * The failure of an API call made with a token: 401 the token, 403 the user's role or the
   * token's scopes, 404 what was asked for; the rest as any other failure.
   */
  function apiFailure (answer: Answer, bearer: string): AppError {
    if (answer.status === 401) return new AppError('token_invalid', { trackingId: answer.trackingId })
    const error = failure(answer, [bearer])
    if (answer.status === 403) return new AppError('forbidden', { ...error.details, reason: undefined, status: undefined })
    if (answer.status === 404) return new AppError('webex_not_found', { ...error.details, reason: undefined, status: undefined })
    // Other 4xx: Webex's words, not the token endpoint's word-matching (an API message may well say "code").
    if (answer.status >= 400 && answer.status < 500 && error.kind !== 'webex_unavailable') return new AppError('webex_refused', { ...error.details, reason: `Webex refused the request (HTTP ${answer.status}).`, status: undefined })
    return error
  }

  /** A DELETE is sent once: a retry after a lost answer would report 404 for what was in fact revoked. */
  async function remove (path: string, bearer: string): Promise<{ trackingId: string }> {
    const answer = await send('DELETE', path, { bearer })
    if (answer.status >= 200 && answer.status < 300) return { trackingId: answer.trackingId }
    throw apiFailure(answer, bearer)
  }

  /** Idempotent GETs retry on network errors, 5xx and short Retry-After waits. */
  async function getJson<T> (path: string, bearer: string, schema: z.ZodType<T>, what: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let error: AppError
      try {
        const answer = await send('GET', path, { bearer })
        if (answer.status >= 200 && answer.status < 300) return parse(answer, schema, what)
        error = apiFailure(answer, bearer)
        if (answer.status < 500 && answer.status !== 429 && answer.status !== 423) throw error
      } catch (err) {
        if (!(err instanceof AppError) || err.kind !== 'webex_unavailable') throw err
        error = err
      }
      const delay = RETRY_DELAYS_MS[attempt]
      const retryAfter = error.details.retryAfter
      if (delay === undefined || (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_S)) throw error
      await sleep(Math.max(delay, (retryAfter ?? 0) * 1000))
    }
  }

  let openId: { keys: OpenIdKeys, at: number } | undefined

  /** A JSON document fetched without a token (discovery, keys); not retried: a failure is reported at once. */
  async function getPublic<T> (path: string, schema: z.ZodType<T>, what: string): Promise<T> {
    const answer = await send('GET', path, {})
    if (answer.status < 200 || answer.status >= 300) throw failure(answer, [])
    return parse(answer, schema, what)
  }

  /**
   * The issuer and signing keys from `{base}/.well-known/openid-configuration` and its
   * `jwks_uri`, kept for an hour; `fresh` fetches them again (a key id we do not know yet).
   */
  async function openIdKeys (fresh = false): Promise<OpenIdKeys> {
    if (!fresh && openId !== undefined && now() - openId.at < OPENID_CACHE_MS) return openId.keys
    const discovery = await getPublic('/.well-known/openid-configuration', discoveryAnswer, 'the OpenID discovery document')
    const jwksUrl = new URL(discovery.jwks_uri)
    // Keys come over TLS, or from the same origin as the API (the loopback sandbox); so does
    // UserInfo, which is sent the access token.
    const trusted = (url: URL) => url.protocol === 'https:' || url.origin === new URL(base).origin
    if (!trusted(jwksUrl)) {
      throw new AppError('webex_unavailable', { reason: 'The OpenID discovery document names a key set that is not served over https.' })
    }
    const userinfo = discovery.userinfo_endpoint === undefined ? undefined : new URL(discovery.userinfo_endpoint)
    const jwks = await getPublic(jwksUrl.toString(), jwksAnswer, 'the OpenID key set')
    openId = { keys: { issuer: discovery.issuer, jwks, ...(userinfo !== undefined && trusted(userinfo) ? { userinfoEndpoint: userinfo.toString() } : {}) }, at: now() }
    return openId.keys
  }

  return {
    openIdKeys,
    /** The claims UserInfo gives for an access token, at the discovery document's userinfo_endpoint. */
    async getUserInfo (accessToken: string): Promise<Record<string, unknown>> {
      const endpoint = (await openIdKeys()).userinfoEndpoint
      if (endpoint === undefined) throw new AppError('webex_unavailable', { reason: 'The OpenID discovery document names no https UserInfo endpoint.' })
      return getJson(endpoint, accessToken, userInfoAnswer, 'UserInfo')
    },
    /** Closes the client's own Agent, if it made one; a dispatcher passed in is the caller's to close. */
    async close (): Promise<void> {
      if (ownAgent !== undefined) await (await ownAgent).close()
    },
    exchangeCode (input: { code: string, redirectUri: string, codeVerifier: string }): Promise<TokenSet> {
      return grant({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, code_verifier: input.codeVerifier }, [input.code, input.codeVerifier])
    },
    /**
     * The refresh grant. Webex may leave the refresh token out of its answer; the one sent
     * then stays valid, and is kept with the expiry the caller knew (docs/webex-contract.md,
     * "Refresh"). `client` refreshes another client's tokens (a Service App's).
     */
    async refresh (refreshToken: string, heldExpiresAt?: Date, client?: ClientCredentials): Promise<TokenSet> {
      const tokens = await grant({ grant_type: 'refresh_token', refresh_token: refreshToken }, [refreshToken], client)
      if (tokens.refreshToken !== undefined) return tokens
      return { ...tokens, refreshToken, refreshTokenExpiresAt: heldExpiresAt, refreshTokenKept: true }
    },
    getMe (accessToken: string): Promise<Person> {
      return getJson('/people/me', accessToken, personAnswer, 'people/me')
    },
    getOrganization (accessToken: string, orgId: string): Promise<z.infer<typeof organizationAnswer>> {
      return getJson(`/organizations/${pathId(orgId, 'org id')}`, accessToken, organizationAnswer, 'organizations')
    },
    async getTokenExpiry (accessToken: string): Promise<Date> {
      const answer = await getJson('/authorizations/tokenExpiry', accessToken, tokenExpiryAnswer, 'tokenExpiry')
      return new Date(answer.exp)
    },
    /** Starts a device grant (docs/webex-contract.md, "Device grant"); Webex refusing the client names the redirect URIs it needs. */
    async deviceAuthorize (scopes: readonly string[]): Promise<DeviceAuthorization> {
      const answer = await send('POST', '/device/authorize', { form: { client_id: options.clientId, scope: scopes.join(' ') } })
      if (answer.status < 200 || answer.status >= 300) {
        const error = failure(answer, [])
        if (error.kind !== 'invalid_client') throw error
        throw new AppError('invalid_client', { ...error.details, reason: `Webex refused this integration for the device grant: its redirect URIs must include Webex's OAuth helper service (${DEVICE_HELPER_REDIRECT_URIS.join(', ')}). Add them to the integration in the developer portal, or check CLIENT_ID.` })
      }
      const d = parse(answer, deviceAnswer, 'the device authorization')
      return { deviceCode: d.device_code, userCode: d.user_code, verificationUri: d.verification_uri, ...(d.verification_uri_complete === undefined ? {} : { verificationUriComplete: d.verification_uri_complete }), expiresInS: d.expires_in, intervalS: d.interval ?? 5 }
    },
    /** One poll of the device grant: the tokens, or whether to keep waiting or to slow down; failures throw. */
    async deviceToken (deviceCode: string): Promise<{ kind: 'pending' | 'slow_down' } | { kind: 'tokens', tokens: TokenSet }> {
      const issuedAt = now()
      const answer = await send('POST', '/device/token', { form: { grant_type: DEVICE_GRANT_TYPE, device_code: deviceCode, client_id: options.clientId }, basic: options })
      if (answer.status >= 200 && answer.status < 300) return { kind: 'tokens', tokens: tokensOf(answer, issuedAt, 'the device token request') }
      // Each of the codes Webex lists for the poll, in either answer shape (docs/webex-contract.md, "Device grant").
      const body = errorAnswer.safeParse(json(answer)).data ?? {}
      const code = oauthErrorCode(body)
      if (answer.status === 428 || code === 'authorization_pending') return { kind: 'pending' }
      if (code === 'slow_down') return { kind: 'slow_down' }
      const error = failure(answer, [deviceCode])
      if (code === 'invalid_grant') throw new AppError('invalid_grant', { ...error.details, reason: 'Webex no longer accepts this sign-in code: it expired or was already used. Run the command again.' })
      throw error
    },
    /**
     * A Service App's tokens for an org ("Create Service App Access Token", docs/webex-contract.md,
     * "Service Apps"), asked for with an integration token holding spark:applications_token. Sent
     * once; the app's secret goes in the JSON body only and is scrubbed from Webex's words.
     */
    async serviceAppToken (accessToken: string, input: { applicationId: string, clientId: string, clientSecret: string, targetOrgId: string }): Promise<TokenSet> {
      const issuedAt = now()
      const answer = await send('POST', `/applications/${pathId(input.applicationId, 'application id')}/token`, {
        bearer: accessToken,
        json: { clientId: input.clientId, clientSecret: input.clientSecret, targetOrgId: input.targetOrgId }
      })
      if (answer.status >= 200 && answer.status < 300) return tokensOf(answer, issuedAt, 'the Service App token request')
      const error = failure(answer, [accessToken, input.clientSecret])
      const message = errorAnswer.safeParse(json(answer)).data?.message ?? ''
      const words = `${error.details.webexDescription ?? ''} ${message}`.toLowerCase()
      const details = { ...error.details, reason: undefined, status: undefined }
      // Webex answers 400 "Invalid client credentials" / "The provided clientSecret is invalid" (docs/webex-contract.md, "Service Apps").
      if ((answer.status === 400 || answer.status === 401) && /client ?secret|client ?id|client credentials/.test(words)) throw new AppError('service_app_secret_invalid', details)
      if (answer.status === 401) throw new AppError('token_invalid', details)
      if (answer.status === 403 && /scope|applications_token/.test(words)) throw new AppError('forbidden', { ...details, reason: 'The integration token lacks spark:applications_token: sign in again with that scope (the Service App page asks for it).' })
      if (answer.status === 403) throw new AppError('service_app_not_authorized', details)
      if (answer.status === 404) throw new AppError('webex_not_found', { ...details, reason: `Webex knows no Service App with the application id ${input.applicationId.slice(0, 200)}: copy it from the app's page in the developer portal.` })
      throw error
    },
    /** A person's grants, by id or email (docs/webex-contract.md, "Authorizations"); not paginated. */
    async listAuthorizations (accessToken: string, person: { personId: string } | { personEmail: string }): Promise<Authorization[]> {
      const query = 'personId' in person ? `personId=${encodeURIComponent(person.personId)}` : `personEmail=${encodeURIComponent(person.personEmail)}`
      return (await getJson(`/authorizations?${query}`, accessToken, authorizationsAnswer, 'authorizations')).items
    },
    /** Revokes one grant; a refresh grant takes its access tokens with it. */
    deleteAuthorization (accessToken: string, authorizationId: string): Promise<{ trackingId: string }> {
      return remove(`/authorizations/${pathId(authorizationId, 'grant id')}`, accessToken)
    },
    /** Revokes every grant of an integration in an org (the token's org when orgId is left out). */
    deleteClientAuthorizations (accessToken: string, clientId: string, orgId?: string): Promise<{ trackingId: string }> {
      const query = `clientId=${pathId(clientId, 'client id')}${orgId === undefined ? '' : `&orgId=${pathId(orgId, 'org id')}`}`
      return remove(`/authorizations?${query}`, accessToken)
    }
  }
}

export type WebexClient = ReturnType<typeof createWebexClient>

/** Whose token it is, for showing beside fresh tokens: a people/me failure only leaves it out. */
export async function personOf (webex: WebexClient, accessToken: string): Promise<Person | undefined> {
  try {
    return await webex.getMe(accessToken)
  } catch (err) {
    if (err instanceof AppError) return undefined
    throw err
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The org id a Webex access token names, for display only (never trusted): the last `_` field
 * of an opaque token, or the `realm` claim of a JWT access token (docs/webex-contract.md, "Token").
 */
export function orgIdFromToken (token: string): string | undefined {
  const parts = token.split('.')
  if (parts.length === 3) {
    try {
      const claims: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'))
      const realm = typeof claims === 'object' && claims !== null && 'realm' in claims ? claims.realm : undefined
      if (typeof realm === 'string' && UUID.test(realm)) return realm
    } catch {}
    return undefined
  }
  const last = token.split('_').at(-1)
  return last !== undefined && UUID.test(last) ? last : undefined
}

/**
 * The kind of a token-endpoint failure given in Webex's API shape, `{message, errors[],
 * trackingId}`, recognised by its words where they are clear (docs/webex-contract.md, "Token").
 */
/** The OAuth error codes Webex may name in its answers (docs/webex-contract.md, "Token", "Device grant"). */
const OAUTH_ERROR_CODES = ['access_denied', 'invalid_scope', 'invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_request', 'unsupported_grant_type', 'unsupported_response_type', 'server_error', 'temporarily_unavailable', 'tokenlimit_reached', 'expired_token', 'authorization_pending', 'slow_down']
const NAMED_CODE = new RegExp(`(?:^|[^a-z_])(${OAUTH_ERROR_CODES.join('|')})(?:$|[^a-z_])`)

/**
 * The OAuth error code of an error answer in either of Webex's shapes: `{error,
 * error_description}`, or `{message, errors: [{description}]}` with the code named in a
 * description or the message (docs/webex-contract.md, "Device grant").
 */
export function oauthErrorCode (body: { error?: string | undefined, message?: string | undefined, errors?: Array<{ description?: string | undefined }> | undefined }): string | undefined {
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
  if (/client[ _]?id|client[ _]?secret|client authentication|unknown client|invalid client/.test(words)) return 'invalid_client'
  if (/grant[ _]?type/.test(words)) return 'webex_refused'
  if (/code|refresh[ _]?token|verifier|redirect[ _]?uri|expired|revoked|grant/.test(words)) return 'invalid_grant'
  if (status >= 400 && status < 500) return 'webex_refused'
  return undefined
}
