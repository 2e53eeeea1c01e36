// The emulator's device grant (docs/webex-contract.md, "Device grant"): a device asks for a
// code pair (a six-digit user code, a 2 s interval by default, the complete verification URI
// carrying a hash of the code, as Webex documents), a person enters the user code on the
// verification page and decides, and the device polls until then. Polling faster than the
// interval is answered slow_down, and the interval grows by 5 seconds, as RFC 8628 says; the
// count of early polls is kept for tests, and tests can queue any of the answers Webex lists.
import { createHash, randomBytes, randomInt } from 'node:crypto'
import { bodySchema, querySchema, valid, type ZodRoutes } from '../route-schema.ts'
import * as z from 'zod'
import { isOpenIdScope, isScopeId } from '../catalogue/rules.ts'
import { DEVICE_GRANT_TYPE } from '../webex/device.ts'
import { originProof, ORIGIN_REFUSALS } from '../origin-proof.ts'
import { apiError, oauthError, oauthParams, personChoice, sandboxPage, trackingId, type EmulatorKit } from './kit.ts'
import { DEMO_USERS, entitled, type DemoUser } from './users.ts'

export interface DeviceRequest {
  deviceCode: string
  userCode: string
  /** The SHA-256 of the user code, in hex: what verification_uri_complete carries. */
  userCodeHash: string
  clientId: string
  scopes: string[]
  expiresAt: number
  intervalMs: number
  lastPoll?: number
  decision?: { user: DemoUser, outcome: 'accept' | 'decline' | 'unentitled' }
}

export type PollResult =
  | { kind: 'pending' | 'slow_down' | 'denied' | 'unentitled' | 'expired' | 'unknown' }
  | { kind: 'approved', request: DeviceRequest, user: DemoUser }
  | { kind: 'forced', answer: ForcedAnswer }

const MAX_REQUESTS = 1000

/** An error answer Webex lists for the poll, in one of its two shapes. */
export interface ForcedAnswer {
  error: string
  shape: 'oauth' | 'message'
}

function hashOf (userCode: string): string {
  return createHash('sha256').update(userCode).digest('hex')
}

export class DeviceRequests {
  readonly #byDevice = new Map<string, DeviceRequest>()
  readonly #byUser = new Map<string, DeviceRequest>()
  readonly #now: () => number
  readonly intervalS: number
  readonly ttlS: number
  /** Polls that came sooner than the interval allowed (each was answered slow_down). */
  tooEarly = 0
  /** Answers the next polls give whatever their timing, for tests of the client (slow_down grows the interval). */
  readonly forced: ForcedAnswer[] = []

  constructor (now: () => number, options: { intervalS: number, ttlS: number }) {
    this.#now = now
    this.intervalS = options.intervalS
    this.ttlS = options.ttlS
  }

  start (clientId: string, scopes: string[]): DeviceRequest {
    if (this.#byDevice.size >= MAX_REQUESTS) {
      const oldest = this.#byDevice.values().next().value
      if (oldest !== undefined) this.#forget(oldest)
    }
    let userCode = ''
    do {
      userCode = String(randomInt(1_000_000)).padStart(6, '0')
    } while (this.#byUser.has(userCode))
    const request: DeviceRequest = {
      deviceCode: randomBytes(32).toString('base64url'),
      userCode,
      userCodeHash: hashOf(userCode),
      clientId,
      scopes,
      expiresAt: this.#now() + this.ttlS * 1000,
      intervalMs: this.intervalS * 1000
    }
    this.#byDevice.set(request.deviceCode, request)
    this.#byUser.set(userCode, request)
    this.#byUser.set(request.userCodeHash, request)
    return request
  }

  #forget (request: DeviceRequest): void {
    this.#byDevice.delete(request.deviceCode)
    this.#byUser.delete(request.userCode)
    this.#byUser.delete(request.userCodeHash)
  }

  /**
   * The waiting request for a user code as a person types it (spaces do not matter), or its hash from
   * verification_uri_complete.
   */
  byUserCode (typed: string): DeviceRequest | undefined {
    const code = /^[0-9a-f]{64}$/i.test(typed) ? typed.toLowerCase() : typed.replace(/\s/g, '')
    const request = this.#byUser.get(code)
    return request !== undefined && request.expiresAt > this.#now() && request.decision === undefined
      ? request
      : undefined
  }

  decide (request: DeviceRequest, user: DemoUser, outcome: 'accept' | 'decline' | 'unentitled'): void {
    request.decision = { user, outcome }
  }

  poll (deviceCode: string, clientId: string): PollResult {
    const request = this.#byDevice.get(deviceCode)
    if (request === undefined || request.clientId !== clientId) return { kind: 'unknown' }
    const now = this.#now()
    if (request.expiresAt <= now) {
      this.#forget(request)
      return { kind: 'expired' }
    }
    // A few milliseconds of timer jitter are not a client ignoring the interval.
    const early = request.lastPoll !== undefined && now - request.lastPoll < request.intervalMs - 50
    request.lastPoll = now
    const forced = this.forced.shift()
    if (early || forced?.error === 'slow_down') {
      if (early) this.tooEarly++
      request.intervalMs += 5000
      return { kind: 'slow_down' }
    }
    if (forced !== undefined) return { kind: 'forced', answer: forced }
    if (request.decision === undefined) return { kind: 'pending' }
    this.#forget(request)
    const { user, outcome } = request.decision
    return outcome === 'accept'
      ? { kind: 'approved', request, user }
      : { kind: outcome === 'decline' ? 'denied' : 'unentitled' }
  }
}

const authorizeBody = z.object({
  client_id: z.string().max(512),
  scope: z.string().max(16_384).optional()
})

const verifyBody = personChoice.extend({ user_code: z.string().max(32) })

/** The verification page's link carries the code (a hash of it, as Webex's does). */
const deviceQuery = z.object({ userCode: z.string().max(2048).optional() })

/**
 * What a poll is answered while it brings no tokens: status, OAuth code and words. Webex answers
 * 428 while the person has not decided (docs/webex-contract.md, "Device grant").
 */
const POLL_REFUSALS = {
  pending: [428, 'authorization_pending', 'The user has not yet authorized the device'],
  slow_down: [400, 'slow_down', 'Polling too fast: wait 5 more seconds between requests'],
  denied: [400, 'access_denied', 'The user denied the authorization request'],
  unentitled: [400, 'invalid_scope', 'No user entitled service in request scopes'],
  expired: [400, 'expired_token', 'The device code has expired'],
  unknown: [400, 'invalid_grant', 'The device code is invalid or was already used']
} as const

/** The device grant's endpoints and the verification page where a demo user decides. */
export function deviceRoutes (app: ZodRoutes, device: DeviceRequests, kit: EmulatorKit, limited: object): void {
  app.post('/device/authorize', { ...limited, ...bodySchema(authorizeBody) }, (request, reply) => {
    const body = valid(request, request.body)
    if (body === undefined) return oauthError(reply, 400, 'invalid_request', 'client_id is required')
    const client = kit.clientById(body.client_id)
    // Webex's documented answer for an unknown client id (docs/webex-contract.md, "Device grant").
    if (client === undefined) {
      const malformed = 'The request could not be understood by the server due to malformed syntax.'
      return apiError(reply, 400, malformed, 'Client Id is invalid')
    }
    const scopes = [...new Set((body.scope ?? '').split(' ').filter((s) => s !== ''))]
    if (scopes.length === 0) return oauthError(reply, 400, 'invalid_scope', 'No scope was requested')
    if (scopes.some(isOpenIdScope)) {
      return oauthError(reply, 400, 'invalid_scope', 'OpenID scopes are not allowed in the device grant')
    }
    const notRegistered = scopes.filter(
      (s) => !isScopeId(s) || (client.scopes !== undefined && !client.scopes.includes(s))
    )
    if (notRegistered.length > 0) {
      return oauthError(
        reply,
        400,
        'invalid_scope',
        `The requested scope is invalid: ${notRegistered.slice(0, 10).join(' ')}`
      )
    }
    const started = device.start(client.clientId, scopes)
    const page = `${kit.issuer(request)}/device`
    return reply.header('cache-control', 'no-store').send({
      device_code: started.deviceCode,
      user_code: started.userCode,
      verification_uri: page,
      verification_uri_complete: `${page}?userCode=${started.userCodeHash}`,
      expires_in: device.ttlS,
      interval: device.intervalS
    })
  })

  app.post('/device/token', bodySchema(oauthParams), (request, reply) => {
    const body = valid(request, request.body)
    if (body === undefined) return oauthError(reply, 400, 'invalid_request', 'The request body is malformed')
    const client = kit.clientOf(request, body)
    if (client === undefined) return apiError(reply, 401, 'Client Id is invalid or the client secret does not match')
    if (body.grant_type !== DEVICE_GRANT_TYPE) {
      return oauthError(reply, 400, 'unsupported_grant_type', `grant_type must be ${DEVICE_GRANT_TYPE}`)
    }
    const result = device.poll(body.device_code ?? '', client.clientId)
    if (result.kind !== 'forced' && result.kind !== 'approved') {
      const [status, error, words] = POLL_REFUSALS[result.kind]
      return oauthError(reply, status, error, words)
    }
    switch (result.kind) {
      case 'forced': {
        const { error, shape } = result.answer
        const status = error === 'authorization_pending' ? 428 : 400
        return shape === 'oauth'
          ? oauthError(reply, status, error, `The device token request failed: ${error}`)
          : reply
            .code(status)
            .send({
              message: 'The request could not be completed.',
              errors: [{ description: error }],
              trackingId: trackingId()
            })
      }
      case 'approved': {
        const { answer, accessToken, refreshToken } = kit.issue({
          clientId: client.clientId,
          user: result.user,
          scopes: result.request.scopes
        })
        kit.record({ code: '', accessToken, refreshToken, user: result.user.key })
        return reply.header('cache-control', 'no-store').send(answer)
      }
    }
  })

  // The verification page: enter the code, then choose a demo user and decide.
  app.get('/device', { ...limited, ...querySchema(deviceQuery) }, async (request, reply) => {
    const typed = valid(request, request.query)?.userCode
    const waiting = typed === undefined ? undefined : device.byUserCode(typed)
    return await sandboxPage(reply, kit, 'device', {
      unknown: typed !== undefined && waiting === undefined,
      request: waiting === undefined ? undefined : { userCode: waiting.userCode, scopes: waiting.scopes },
      users: DEMO_USERS.map((u, i) => ({ ...u, checked: i === 0 }))
    })
  })

  app.post('/device/verify', { ...limited, ...bodySchema(verifyBody) }, async (request, reply) => {
    // Like the consent form, the page's one POST must come from the page itself.
    const proof = originProof(request, new Set())
    if (proof !== 'same-origin') {
      return await sandboxPage(reply, kit, 'mismatch', { refused: ORIGIN_REFUSALS[proof] }, 403)
    }
    const body = valid(request, request.body)
    const waiting = body === undefined ? undefined : device.byUserCode(body.user_code)
    const user = body === undefined ? undefined : DEMO_USERS.find((u) => u.key === (body.user ?? 'admin'))
    if (body === undefined || waiting === undefined || user === undefined) {
      return await sandboxPage(reply, kit, 'device', { unknown: true }, 400)
    }
    const outcome =
      body.decision === 'decline'
        ? 'decline'
        : waiting.scopes.every((s) => entitled(user, s))
          ? 'accept'
          : 'unentitled'
    device.decide(waiting, user, outcome)
    return await sandboxPage(reply, kit, 'device', {
      done: { accepted: outcome === 'accept', declined: outcome === 'decline', user }
    })
  })
}
