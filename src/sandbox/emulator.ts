// An emulator of the Webex OAuth contract (docs/webex-contract.md): authorize with a consent page
// (consent.ts), one-time codes with PKCE, the token endpoint with both grants, OpenID Connect
// (openid.ts: nonce, RS256 id_token, discovery, keys, userinfo), people/me, organizations and
// tokenExpiry (people.ts). Its state lives in memory, bounded. The device grant (device.ts),
// Service Apps (service-apps.ts) and the Authorizations API (authorizations.ts) are route families of
// their own too, all on the small kit this class hands them (kit.ts).
import { createHash, randomBytes } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { bodySchema, valid, zodRoutes } from '../route-schema.ts'
import { OpenIdProvider, userInfoClaims, type IdTokenTamper } from './openid.ts'
import { DEMO_USERS, SANDBOX_ORG_ID } from './users.ts'
import { authorizationRoutes, AuthorizationRegistry, type AuthorizationRecord } from './authorizations.ts'
import { deviceRoutes, DeviceRequests } from './device.ts'
import { DEMO_SERVICE_APPS, serviceAppRoutes } from './service-apps.ts'
import { peopleRoutes } from './people.ts'
import { ConsentRequests, consentRoutes } from './consent.ts'
import {
  apiError,
  type ApiRoute,
  clientOf,
  oauthError,
  same,
  type EmulatorClient,
  type EmulatorKit,
  type Grant,
  type IssuedCode,
  type IssuedRecord,
  type IssuedToken,
  oauthParams,
  type OAuthParams
} from './kit.ts'

export type { EmulatorClient, IssuedRecord } from './kit.ts'

export const ACCESS_TOKEN_LIFETIME_S = 1_209_599
export const REFRESH_TOKEN_LIFETIME_S = 7_775_999
const MAX_ENTRIES = 50_000
export { SIGN_IN_PATH } from './consent.ts'

export interface EmulatorOptions {
  clients: EmulatorClient[]
  now?: () => number
  codeTtlMs?: number
  /** Requests per minute per client address on the browser-facing routes (authorize, decision); 0 or unset is off. */
  rateLimitPerMinute?: number
  /** Bytes that consent requests waiting for a decision may hold together (default 2 MiB). */
  maxPendingBytes?: number
  /** The device grant's polling interval (default 2 s, as Webex's example) and code lifetime (default 300 s). */
  deviceIntervalS?: number
  deviceTtlS?: number
}

function token (): string {
  return `${randomBytes(48).toString('base64url').replace(/[-_]/g, 'x')}_PF84_${SANDBOX_ORG_ID}`
}

export class Emulator {
  readonly #openId: OpenIdProvider
  readonly #clients: Map<string, EmulatorClient>
  readonly #now: () => number
  readonly #codeTtlMs: number
  readonly #consents: ConsentRequests
  /** Every grant issued, per person and client, as the Authorizations API lists them. */
  readonly grants: AuthorizationRegistry
  /** Device-grant requests waiting for a person on the verification page. */
  readonly device: DeviceRequests
  readonly #rateLimitPerMinute: number
  // Bounded, so a long run cannot leak: past MAX_ENTRIES the least recently used is forgotten.
  readonly #codes = new LRUCache<string, IssuedCode>({ max: MAX_ENTRIES })
  readonly #access = new LRUCache<string, IssuedToken>({ max: MAX_ENTRIES })
  readonly #refresh = new LRUCache<string, IssuedToken>({ max: MAX_ENTRIES })
  #prefix = ''

  constructor (options: EmulatorOptions) {
    // Service Apps are OAuth clients too: their tokens are refreshed with their own credentials.
    const serviceApps = DEMO_SERVICE_APPS.map((a) => ({
      clientId: a.clientId,
      clientSecret: a.clientSecret,
      redirectUris: [],
      scopes: a.scopes,
      name: a.name
    }))
    this.#clients = new Map([...serviceApps, ...options.clients].map((c) => [c.clientId, c]))
    this.#now = options.now ?? Date.now
    this.#openId = new OpenIdProvider(this.#now)
    this.#codeTtlMs = options.codeTtlMs ?? 5 * 60_000
    this.#consents = new ConsentRequests(options.maxPendingBytes ?? 2 * 1024 * 1024, this.#now, MAX_ENTRIES)
    this.#rateLimitPerMinute = options.rateLimitPerMinute ?? 0
    this.grants = new AuthorizationRegistry(DEMO_USERS, this.#now)
    this.device = new DeviceRequests(this.#now, {
      intervalS: options.deviceIntervalS ?? 2,
      ttlS: options.deviceTtlS ?? 300
    })
  }

  /** Consent requests waiting for a decision: how many, and the bytes they hold. */
  get pendingStats (): { count: number, bytes: number } {
    return this.#consents.stats
  }

  /** Registers the emulator's routes on a Fastify instance (at whatever prefix it was given). */
  readonly plugin = async (instance: FastifyInstance): Promise<void> => {
    const app = zodRoutes(instance)
    this.#prefix = app.prefix
    // Webex's Date header, on the emulator's clock (injected in tests): the app reads it to know
    // which grants a sign-in could have made (docs/webex-contract.md, "Authorizations").
    app.addHook('onSend', (_request, reply, payload, done) => {
      reply.header('date', new Date(this.#now()).toUTCString())
      done(null, payload)
    })
    // The routes a web page can make a browser call are rate-limited (where @fastify/rate-limit is
    // registered, as in the app).
    const limited =
      this.#rateLimitPerMinute > 0
        ? { config: { rateLimit: { max: this.#rateLimitPerMinute, timeWindow: 60_000 } } }
        : {}
    consentRoutes(app, this.#consents, this.#kit, { limited, codeTtlMs: this.#codeTtlMs })
    app.post('/access_token', bodySchema(oauthParams), (request, reply) =>
      this.#token(request, valid(request, request.body), reply)
    )
    app.get('/.well-known/openid-configuration', (request, reply) =>
      reply.send(this.#openId.discovery(this.#issuer(request)))
    )
    app.get('/verification', async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=3600').send(await this.#openId.jwks())
    )
    app.get('/userinfo', (request, reply) => this.#userinfo(request, reply))
    // The route families in their own modules, on the kit below.
    peopleRoutes(app, this.#kit)
    serviceAppRoutes(app, this.#kit)
    deviceRoutes(app, this.device, this.#kit, limited)
    authorizationRoutes(app, this.grants, this.#kit)
  }

  /** What the route families use of the emulator (src/sandbox/kit.ts). */
  readonly #kit: EmulatorKit = {
    prefix: () => this.#prefix,
    issuer: (request) => this.#issuer(request),
    clientById: (clientId) => this.#clients.get(clientId),
    clientOf: (request, body) => clientOf(request, body, this.#clients),
    issue: (grant) => this.#issue(grant, true),
    record: (entry) => {
      this.onIssued(entry)
    },
    now: () => this.#now(),
    storeCode: (code, issued) => {
      this.#codes.set(code, issued)
    },
    guarded: (route, request, reply, answer) => this.#guarded(route, request, reply, answer),
    forget: (removed) => {
      this.#forget(removed)
    }
  }

  /** The issuer is this emulator's own URL, as the API client reaches it. */
  #issuer (request: FastifyRequest): string {
    return `${request.protocol}://${request.host}${this.#prefix}`
  }

  #userinfo (request: FastifyRequest, reply: FastifyReply) {
    const held = this.#bearer(request)
    if (held === undefined) {
      return apiError(reply, 401, 'The request requires a valid access token set in the Authorization request header.')
    }
    if (!held.scopes.includes('openid')) {
      return apiError(reply, 403, 'The access token was not issued for the openid scope.')
    }
    const fault = this.userInfoFault()
    if (fault === 'down') return apiError(reply, 503, 'Service Unavailable')
    const claims = userInfoClaims(held.user, held.scopes)
    return reply.send(fault === 'subject' ? { ...claims, sub: DEMO_USERS[1]?.personId } : claims)
  }

  /** Each set of tokens issued, as it is issued: nothing here (the tests' emulator keeps a log). */
  protected onIssued (_entry: IssuedRecord): void {}

  /**
   * Issues an access token, and a refresh token unless `refresh` is false. A refresh grant
   * passes the refresh token it used: Webex answers with that same token, its life renewed
   * (docs/webex-contract.md, "Refresh").
   */
  #issue (grant: Grant & { authorizationId?: string }, refresh: boolean | string) {
    const accessToken = token()
    const now = this.#now()
    const client = this.#clients.get(grant.clientId)
    const record = {
      clientId: grant.clientId,
      applicationName: client?.name ?? 'webex-token-issuer',
      personId: grant.user.personId
    }
    // A sign-in makes a refresh authorization; every access token is an access authorization under it.
    let refreshToken: string | undefined
    let parent = grant.authorizationId
    if (refresh === true) {
      refreshToken = token()
      parent = this.grants.add({ ...record, type: 'refresh', token: refreshToken }).id
    } else if (refresh !== false) {
      refreshToken = refresh
    }
    const answer: Record<string, string | number> = { access_token: accessToken, expires_in: ACCESS_TOKEN_LIFETIME_S }
    const access = this.grants.add({
      ...record,
      type: 'access',
      token: accessToken,
      ...(parent === undefined ? {} : { parent })
    })
    this.#access.set(accessToken, {
      ...grant,
      expiresAt: now + ACCESS_TOKEN_LIFETIME_S * 1000,
      authorizationId: access.id
    })
    if (refreshToken !== undefined) {
      this.#refresh.set(refreshToken, {
        ...grant,
        expiresAt: now + REFRESH_TOKEN_LIFETIME_S * 1000,
        authorizationId: parent
      })
      answer.refresh_token = refreshToken
      answer.refresh_token_expires_in = REFRESH_TOKEN_LIFETIME_S
    }
    answer.token_type = 'Bearer'
    answer.scope = grant.scopes.join(' ')
    return { answer, accessToken, refreshToken }
  }

  async #token (request: FastifyRequest, body: OAuthParams | undefined, reply: FastifyReply) {
    if (await this.intercept('token', request, reply, body?.code)) return reply
    if (body === undefined) return oauthError(reply, 400, 'invalid_request', 'The request body is malformed')
    const client = clientOf(request, body, this.#clients)
    if (client === undefined) return apiError(reply, 401, 'Client Id is invalid or the client secret does not match')
    if (body.grant_type === 'authorization_code') return this.#codeGrant(request, reply, client, body)
    if (body.grant_type === 'refresh_token') return this.#refreshGrant(reply, client, body)
    return oauthError(reply, 400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token')
  }

  async #codeGrant (
    request: FastifyRequest,
    reply: FastifyReply,
    client: EmulatorClient,
    body: OAuthParams
  ) {
    const issued = body.code === undefined ? undefined : this.#codes.get(body.code)
    if (body.code === undefined || issued === undefined) {
      return oauthError(reply, 400, 'invalid_grant', 'The authorization code is invalid or was already used')
    }
    this.#codes.delete(body.code) // one-time, even when the rest of the request is wrong
    if (issued.expiresAt < this.#now()) {
      return oauthError(reply, 400, 'invalid_grant', 'The authorization code has expired')
    }
    if (issued.clientId !== client.clientId) {
      return oauthError(reply, 400, 'invalid_grant', 'The authorization code was issued to another client')
    }
    if (body.redirect_uri !== issued.redirectUri) {
      return oauthError(reply, 400, 'invalid_grant', 'redirect_uri does not match the one used to authorize')
    }
    if (issued.challenge !== undefined) {
      const verifier = body.code_verifier
      if (verifier === undefined || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) {
        return oauthError(reply, 400, 'invalid_grant', 'code_verifier is missing or malformed')
      }
      const expected = issued.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier
      if (!same(expected, issued.challenge)) {
        return oauthError(reply, 400, 'invalid_grant', 'code_verifier does not match the code_challenge')
      }
    }
    const { answer, accessToken, refreshToken } = this.#issue(issued, true)
    const idToken = issued.scopes.includes('openid')
      ? await this.#openId.idToken(this.#issuer(request), issued, this.idTokenFault())
      : undefined
    if (idToken !== undefined) answer.id_token = idToken
    this.onIssued({
      code: body.code,
      accessToken,
      refreshToken,
      ...(idToken === undefined ? {} : { idToken }),
      user: issued.user.key
    })
    return reply.header('cache-control', 'no-store').send(answer)
  }

  #refreshGrant (reply: FastifyReply, client: EmulatorClient, body: OAuthParams) {
    const held = body.refresh_token === undefined ? undefined : this.#refresh.get(body.refresh_token)
    if (held === undefined || held.clientId !== client.clientId || held.expiresAt < this.#now()) {
      return oauthError(reply, 400, 'invalid_grant', 'The refresh token is invalid or expired')
    }
    const { answer, accessToken, refreshToken } = this.#issue(
      held,
      this.sendsRefreshToken() ? (body.refresh_token ?? false) : false
    )
    this.onIssued({ code: '', accessToken, refreshToken, user: held.user.key })
    return reply.header('cache-control', 'no-store').send(answer)
  }

  #bearer (request: FastifyRequest): IssuedToken | undefined {
    const auth = request.headers.authorization
    const held = auth?.startsWith('Bearer ') === true ? this.#access.get(auth.slice(7)) : undefined
    return held !== undefined && held.expiresAt >= this.#now() ? held : undefined
  }

  async #guarded (
    route: ApiRoute,
    request: FastifyRequest,
    reply: FastifyReply,
    answer: (held: IssuedToken) => unknown
  ) {
    if (await this.intercept(route, request, reply)) return reply
    const held = this.#bearer(request)
    if (held === undefined) {
      return apiError(reply, 401, 'The request requires a valid access token set in the Authorization request header.')
    }
    return answer(held)
  }

  /** Forgets the tokens of revoked authorizations: people/me answers 401 and refresh invalid_grant. */
  #forget (removed: readonly AuthorizationRecord[]): void {
    for (const record of removed) {
      if (record.token === undefined) continue
      if (record.type === 'refresh') this.#refresh.delete(record.token)
      else this.#access.delete(record.token)
    }
  }

  // Extension points for the test emulator (test/test-emulator.ts: faults, hit counts, tampered
  // id_tokens…); the shipped emulator answers every request plainly.

  /** Runs before an API route answers; true when it answered the request itself. */
  protected async intercept (
    _route: ApiRoute,
    _request: FastifyRequest,
    _reply: FastifyReply,
    _code?: string
  ): Promise<boolean> {
    return false
  }

  /** How the next id_token is to be wrong, if at all. */
  protected idTokenFault (): IdTokenTamper | undefined {
    return undefined
  }

  /** How UserInfo is to fail, if at all: answer for another person, or be down. */
  protected userInfoFault (): 'subject' | 'down' | undefined {
    return undefined
  }

  /** Whether refresh answers carry the refresh token (Webex may leave it out: docs/webex-contract.md, "Refresh"). */
  protected sendsRefreshToken (): boolean {
    return true
  }

  /** An issued access token's record, by the token. */
  protected issuedAccess (accessToken: string): IssuedToken | undefined {
    return this.#access.get(accessToken)
  }
}
