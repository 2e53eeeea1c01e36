// What the emulator's route families share: the grant and client shapes, Webex's two error
// shapes, and the small part of the Emulator that the device grant (device.ts), Service Apps
// (service-apps.ts) and the Authorizations API (authorizations.ts) use: issuing tokens, finding clients,
// and guarding an API route with a bearer token.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import * as z from 'zod'
import { SANDBOX_ORG_ID, type DemoUser } from './users.ts'

export interface EmulatorClient {
  clientId: string
  clientSecret: string
  redirectUris: string[]
  /** Scopes registered on the integration; undefined accepts any well-formed scope. */
  scopes?: string[]
  /** The integration's name, as the Authorizations API lists it. */
  name?: string
}

export interface Grant {
  clientId: string
  user: DemoUser
  scopes: string[]
  nonce?: string
}
export interface IssuedToken extends Grant {
  expiresAt: number
  authorizationId?: string
}

/** What the emulator handed out, for tests to compare with what the app shows. */
export interface IssuedRecord {
  code: string
  accessToken?: string
  refreshToken?: string
  idToken?: string
  user: string
}

/** The sandbox org's id as people/me gives it. */
export const ORG_ID = Buffer.from(`ciscospark://us/ORGANIZATION/${SANDBOX_ORG_ID}`).toString('base64url')

/** One authorization the sandbox issued, as its Authorizations API lists it (authorizations.ts). */
export interface AuthorizationRecord {
  id: string
  type: 'refresh' | 'access'
  clientId: string
  applicationName: string
  personId: string
  created: string
  /** The token this authorization stands for; seeded grants of other applications have none here. */
  token?: string
  /** The refresh authorization an access authorization was made from. */
  parent?: string
}

/** A consent request waiting for the person's decision (consent.ts). */
export interface PendingRequest extends Omit<Grant, 'user'> {
  redirectUri: string
  state?: string
  challenge?: string
  method?: string
  expiresAt: number
}

/** A one-time code, until the token endpoint spends it. */
export interface IssuedCode extends Grant {
  redirectUri: string
  challenge?: string
  method?: string
  expiresAt: number
}

/** The API routes a test emulator may intercept (test/test-emulator.ts), by name. */
export type ApiRoute = 'token' | 'me' | 'organizations' | 'tokenExpiry' | 'authorizations' | 'serviceApps'

export interface EmulatorKit {
  /** The prefix the emulator is mounted at (/sandbox/v1 in the app, /v1 alone). */
  prefix: () => string
  /** The emulator's own URL, as the caller reached it. */
  issuer: (request: FastifyRequest) => string
  clientById: (clientId: string) => EmulatorClient | undefined
  /** The client that authenticated with HTTP Basic or client_id/client_secret in the body. */
  clientOf: (
    request: FastifyRequest,
    body: { client_id?: string, client_secret?: string }
  ) => EmulatorClient | undefined
  /** A new access and refresh token for a grant, recorded as authorizations. */
  issue: (grant: Grant) => { answer: Record<string, string | number>, accessToken: string, refreshToken?: string }
  record: (entry: IssuedRecord) => void
  /** The emulator's clock. */
  now: () => number
  /** Keeps a one-time code for the token endpoint. */
  storeCode: (code: string, issued: IssuedCode) => void
  /** Runs an API route for a valid bearer token (401 otherwise), after any fault queued for it. */
  guarded: (
    route: ApiRoute,
    request: FastifyRequest,
    reply: FastifyReply,
    answer: (held: IssuedToken) => unknown
  ) => Promise<unknown>
  /** Forgets the tokens of revoked authorizations. */
  forget: (removed: readonly AuthorizationRecord[]) => void
}

/**
 * Every OAuth parameter the emulator reads, from a query or a form, with the longest value it
 * accepts: one schema for /authorize, the token endpoint and the device grant's poll, as a
 * provider reads one set of parameters and ignores those a request has no use for.
 */
export const oauthParams = z.object({
  response_type: z.string().max(200).optional(),
  grant_type: z.string().max(200).optional(),
  client_id: z.string().max(512).optional(),
  client_secret: z.string().max(512).optional(),
  redirect_uri: z.string().max(2048).optional(),
  scope: z.string().max(16_384).optional(),
  state: z.string().max(2048).optional(),
  code: z.string().max(512).optional(),
  code_challenge: z.string().max(256).optional(),
  code_challenge_method: z.string().max(16).optional(),
  code_verifier: z.string().max(512).optional(),
  refresh_token: z.string().max(4096).optional(),
  device_code: z.string().max(512).optional(),
  nonce: z.string().max(512).optional(),
  prompt: z.string().max(100).optional(),
  login_hint: z.string().max(320).optional()
})

export type OAuthParams = z.infer<typeof oauthParams>

/** What a person chooses on a sandbox page (consent, device verification): a demo user, and accept or decline. */
export const personChoice = z.object({
  user: z.enum(['admin', 'readonly', 'compliance', 'user']).optional(),
  decision: z.enum(['accept', 'decline'])
})

export function trackingId (): string {
  return `ROUTER_${randomUUID().toUpperCase()}`
}

/** An OAuth error, as Webex's authorize and token endpoints give it. */
export function oauthError (reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).send({ error, error_description: description, trackingID: trackingId() })
}

/** An API error, as Webex's REST APIs give it. */
export function apiError (reply: FastifyReply, status: number, message: string, description = message) {
  return reply.code(status).send({ message, errors: [{ description }], trackingId: trackingId() })
}

/** Compares secrets in constant time. */
export function same (a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest()
  const y = createHash('sha256').update(b).digest()
  return timingSafeEqual(x, y)
}

/** Client credentials from HTTP Basic or the body; either is accepted (docs/webex-contract.md, "Token"). */
export function clientOf (
  request: FastifyRequest,
  body: { client_id?: string, client_secret?: string },
  clients: ReadonlyMap<string, EmulatorClient>
): EmulatorClient | undefined {
  let id = body.client_id
  let secret = body.client_secret
  const auth = request.headers.authorization
  if (auth?.startsWith('Basic ') === true) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) {
      id = decodeURIComponent(decoded.slice(0, colon))
      secret = decodeURIComponent(decoded.slice(colon + 1))
    }
  }
  const client = id === undefined ? undefined : clients.get(id)
  return client !== undefined && secret !== undefined && same(secret, client.clientSecret) ? client : undefined
}

/** A sandbox page (templates/sandbox/<page>.hbs) with the emulator's prefix for its links; never cached. */
export async function sandboxPage (
  reply: FastifyReply,
  kit: Pick<EmulatorKit, 'prefix'>,
  page: 'consent' | 'device' | 'mismatch',
  data: object,
  status = 200
): Promise<FastifyReply> {
  const html = await reply.sandboxView(page, { prefix: kit.prefix(), ...data })
  return reply.code(status).type('text/html').header('cache-control', 'no-store').send(html)
}
