// The sandbox's browser-facing sign-in (docs/webex-contract.md, "Authorize"): /authorize hands
// the browser on to the sign-in page on the other loopback name, as webexapis.com hands it to
// the identity broker; the consent page with the demo users and a browser session
// (prompt=select_account, login_hint); and the decision, which answers the redirect URI with a
// one-time code or an error. Consent requests wait in a bounded store.
import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify'
import { bodySchema, querySchema, valid, type ZodRoutes } from '../route-schema.ts'
import { LRUCache } from 'lru-cache'
import * as z from 'zod'
import { isOpenIdScope, isScopeId } from '../catalogue/rules.ts'
import { otherLoopbackName } from '../loopback.ts'
import { originProof, ORIGIN_REFUSALS } from '../origin-proof.ts'
import { oauthParams, personChoice, sandboxPage, type EmulatorKit, type OAuthParams, type PendingRequest } from './kit.ts'
import { DEMO_USERS, entitled, type DemoUser } from './users.ts'

/** Where the sandbox's sign-in page lives, as Webex's is at idbroker.webex.com/idb/oauth2/v1/authorize. */
export const SIGN_IN_PATH = '/idb/oauth2/v1/authorize'

/** The browser's sandbox "Webex session": which demo user signed in last. */
const SESSION_COOKIE = 'wti_sandbox_session'

/** A consent request waits this long for the person's decision. */
const PENDING_TTL_MS = 10 * 60_000

const decisionBody = personChoice.extend({ request: z.string().max(64) })

/**
 * Consent requests waiting for a decision, bounded by count, total bytes and age: any web page
 * can make a browser fire GET /authorize at the sandbox, and each request may carry up to about
 * 20 KB of scopes, state and redirect URI.
 */
export class ConsentRequests {
  readonly #pending: LRUCache<string, PendingRequest>
  readonly #now: () => number

  constructor (maxBytes: number, now: () => number, maxEntries: number) {
    this.#now = now
    this.#pending = new LRUCache({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (request, id) => Buffer.byteLength(JSON.stringify(request)) + id.length
    })
  }

  /** How many wait, and the bytes they hold. */
  get stats (): { count: number, bytes: number } {
    return { count: this.#pending.size, bytes: this.#pending.calculatedSize }
  }

  add (id: string, request: PendingRequest): void {
    this.#pending.set(id, request)
  }

  /** A consent request for its decision, once; undefined when unknown, dropped or expired. */
  take (id: string): PendingRequest | undefined {
    const request = this.#pending.get(id)
    this.#pending.delete(id)
    return request !== undefined && request.expiresAt >= this.#now() ? request : undefined
  }
}

/** The demo user the browser's sandbox session holds, if any. */
function sessionUser (request: FastifyRequest): DemoUser | undefined {
  const cookie = request.headers.cookie ?? ''
  const match = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([a-z]+)`).exec(cookie)
  return DEMO_USERS.find((u) => u.key === match?.[1])
}

export function consentRoutes (
  app: ZodRoutes,
  store: ConsentRequests,
  kit: EmulatorKit,
  options: { limited: RouteShorthandOptions, codeTtlMs: number }
): void {
  const { codeTtlMs } = options
  /**
   * Sends the browser to the sign-in page, with the query as it came. The page is on the other
   * loopback name (localhost and 127.0.0.1 swap), so that the chain crosses origins as Webex's
   * does; on any other host it stays on this origin.
   */
  function toSignIn (request: FastifyRequest, reply: FastifyReply) {
    const here = new URL(`${request.protocol}://${request.host}`)
    here.hostname = otherLoopbackName(here.hostname) ?? here.hostname
    const query = request.url.indexOf('?')
    return reply
      .code(302)
      .header('cache-control', 'no-store')
      .header('location', `${here.origin}${kit.prefix()}${SIGN_IN_PATH}${query < 0 ? '' : request.url.slice(query)}`)
      .send()
  }

  async function authorize (request: FastifyRequest, query: OAuthParams, reply: FastifyReply) {
    const client = query.client_id === undefined ? undefined : kit.clientById(query.client_id)
    if (client === undefined || query.redirect_uri === undefined || !client.redirectUris.includes(query.redirect_uri)) {
      // A real provider never redirects to an unregistered URI: it shows its own page
      // (docs/webex-contract.md, "Authorize").
      return await sandboxPage(reply, kit, 'mismatch', {
        clientKnown: client !== undefined,
        clientId: query.client_id,
        received: query.redirect_uri,
        registered: client?.redirectUris ?? []
      }, 400)
    }
    const back = (params: Record<string, string>) =>
      redirectBack(reply, query.redirect_uri ?? '', {
        ...params,
        ...(query.state === undefined ? {} : { state: query.state })
      })
    if (query.response_type !== 'code') {
      return back({ error: 'unsupported_response_type', error_description: 'response_type must be code' })
    }
    const scopes = [...new Set((query.scope ?? '').split(' ').filter((s) => s !== ''))]
    if (scopes.length === 0) return back({ error: 'invalid_scope', error_description: 'No scope was requested' })
    // Webex requires a nonce with openid (docs/webex-contract.md, "OpenID Connect"); the exact words are unconfirmed.
    if (scopes.includes('openid') && (query.nonce === undefined || query.nonce === '')) {
      return back({
        error: 'invalid_request',
        error_description: 'nonce is required when the openid scope is requested'
      })
    }
    // Ids are matched case-sensitively, as Webex does: identity:scim is not Identity:SCIM.
    const notRegistered = scopes.filter(
      (s) => !isScopeId(s) || (client.scopes !== undefined && !client.scopes.includes(s) && !isOpenIdScope(s))
    )
    if (notRegistered.length > 0) {
      return back({
        error: 'invalid_scope',
        error_description: `The requested scope is invalid: ${notRegistered.slice(0, 10).join(' ')}`
      })
    }
    const method = query.code_challenge_method ?? (query.code_challenge === undefined ? undefined : 'plain')
    if (method !== undefined && method !== 'S256' && method !== 'plain') {
      return back({ error: 'invalid_request', error_description: 'Unsupported code_challenge_method' })
    }
    const id = randomBytes(16).toString('hex')
    store.add(id, {
      clientId: client.clientId,
      scopes,
      redirectUri: query.redirect_uri,
      state: query.state,
      challenge: query.code_challenge,
      method,
      expiresAt: kit.now() + PENDING_TTL_MS,
      ...(query.nonce === undefined ? {} : { nonce: query.nonce })
    })
    // Like Webex, the browser's session is reused unless prompt=select_account asks for a choice.
    const session = sessionUser(request)
    const hinted =
      query.login_hint === undefined
        ? undefined
        : DEMO_USERS.find((u) => u.email.toLowerCase() === query.login_hint?.toLowerCase())
    const choose = session === undefined || query.prompt?.split(' ').includes('select_account') === true
    const preselected = hinted ?? session ?? DEMO_USERS[0]
    return await sandboxPage(reply, kit, 'consent', {
      request: id,
      scopes,
      redirectUri: query.redirect_uri,
      choose,
      session: choose ? undefined : session,
      loginHint: query.login_hint,
      hintUnknown: query.login_hint !== undefined && hinted === undefined,
      users: DEMO_USERS.map((u) => ({ ...u, checked: u.key === preselected?.key }))
    })
  }

  function redirectBack (reply: FastifyReply, redirectUri: string, params: Record<string, string>) {
    const url = new URL(redirectUri)
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
    return reply.code(302).header('location', url.toString()).send()
  }

  async function decide (request: FastifyRequest, body: z.infer<typeof decisionBody> | undefined, reply: FastifyReply) {
    // The consent form is the one browser-facing POST: like Webex's own page, it must come from itself.
    const proof = originProof(request, new Set())
    if (proof !== 'same-origin') {
      return await sandboxPage(reply, kit, 'mismatch', { refused: ORIGIN_REFUSALS[proof] }, 403)
    }
    const pending = body === undefined ? undefined : store.take(body.request)
    if (body === undefined || pending === undefined) {
      return await sandboxPage(reply, kit, 'mismatch', { expired: true }, 400)
    }
    const state: Record<string, string> = pending.state === undefined ? {} : { state: pending.state }
    if (body.decision === 'decline') {
      return redirectBack(reply, pending.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied the authorization request',
        ...state
      })
    }
    const user = DEMO_USERS.find((u) => u.key === (body.user ?? 'admin'))
    if (user === undefined) {
      return await sandboxPage(reply, kit, 'mismatch', { expired: true }, 400)
    }
    if (pending.scopes.some((s) => !entitled(user, s))) {
      // The words Webex uses for a user without the needed role (docs/webex-contract.md, "Authorize").
      return redirectBack(reply, pending.redirectUri, {
        error: 'invalid_scope',
        error_description: 'No user entitled service in request scopes',
        ...state
      })
    }
    const code = randomBytes(16).toString('hex')
    kit.storeCode(code, { ...pending, user, expiresAt: kit.now() + codeTtlMs })
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${user.key}; Path=${kit.prefix() === '' ? '/' : kit.prefix()}; HttpOnly; SameSite=Lax`
    )
    return redirectBack(reply, pending.redirectUri, { code, ...state })
  }

  // Like webexapis.com, /authorize only hands the browser on to the identity service's
  // sign-in on another origin (docs/webex-contract.md, "Authorize: the redirect chain").
  app.get('/authorize', options.limited, toSignIn)
  app.get(SIGN_IN_PATH, { ...options.limited, ...querySchema(oauthParams) }, (request, reply) =>
    authorize(request, valid(request, request.query) ?? {}, reply)
  )
  app.post('/authorize/decision', { ...options.limited, ...bodySchema(decisionBody) }, (request, reply) =>
    decide(request, valid(request, request.body), reply)
  )
}
