// The callback on REDIRECT_URI's path: match the state to this browser's flow cookie,
// spend the flow once, exchange the code, ask people/me, and show the tokens.
import { webContext } from './services.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import { exchangeAndVerify } from '../oauth/id-token.ts'
import {
  belongsTo,
  codeFrom,
  flowCookieName,
  openFlow,
  FLOW_TTL_MS,
  callbackQuery,
  malformedCallback,
  type CallbackQuery,
  type FlowPurpose,
  type FlowState
} from '../oauth/flow.ts'
import { rateLimited, type WebContext } from './context.ts'
import { querySchema, zodRoutes } from '../route-schema.ts'
import type { Presenter } from './sign-in.ts'

function stateInvalid (reason: string): AppError {
  return new AppError('state_invalid', { reason })
}

/** What each kind of sign-in shows when it comes back, by the flow's purpose: the page that started it. */
export type PresenterOf = (purpose: FlowPurpose) => Presenter

export function callbackRoutes (ctx: WebContext, presenterOf: PresenterOf) {
  const { config, webex } = ctx

  /** Finds, verifies and spends this browser's flow for the returned state, or throws state_invalid. */
  function takeFlow (request: FastifyRequest, reply: FastifyReply, query: CallbackQuery): FlowState {
    const state = query.state
    if (state === undefined || state === '') {
      throw stateInvalid('The answer from Webex carried no state, so it cannot be matched to a sign-in.')
    }
    const name = flowCookieName(state)
    const raw = request.cookies[name]
    if (raw === undefined) {
      throw stateInvalid(
        'No sign-in with this state is in progress in this browser: it was already finished (tokens are shown only once), it expired, or it was started elsewhere.'
      )
    }
    reply.clearCookie(name, { path: config.callbackPath })
    const flow = openFlow(raw, ctx.flowKey, name)
    if (flow === undefined) throw stateInvalid('The sign-in cookie was altered or damaged, so it was not trusted.')
    if (!belongsTo(query, flow)) {
      throw stateInvalid('The state returned by Webex does not match the sign-in started in this browser.')
    }
    const now = ctx.now()
    if (now - flow.createdAt > FLOW_TTL_MS || flow.createdAt > now + 60_000) {
      throw stateInvalid('The sign-in was started more than 10 minutes ago and has expired.')
    }
    if (!ctx.consumed.consume(flow.state, now)) {
      throw stateInvalid('This sign-in was already finished: tokens are shown only once and never stored.')
    }
    return flow
  }

  /**
   * The callback's rate-limit key. A request that carries this state's genuine flow cookie (sealed
   * with our key, so nobody else can make one) counts against that sign-in alone: no other local
   * program's traffic to the callback can lock the person out. Anything else counts against its
   * address, as every other limited route does.
   */
  function limitKey (request: FastifyRequest): string {
    const state = (request.query as { state?: unknown }).state
    if (typeof state === 'string' && state.length > 0 && state.length <= 2048) {
      const name = flowCookieName(state)
      const raw = request.cookies[name]
      if (raw !== undefined && openFlow(raw, ctx.flowKey, name)?.state === state) return `flow:${name}`
    }
    return request.ip
  }

  return async function callback (instance: FastifyInstance): Promise<void> {
    const app = zodRoutes(instance)
    const route = { ...rateLimited(config, limitKey), ...querySchema(callbackQuery) }
    app.get(config.callbackPath, route, async (request, reply) => {
      // A genuine answer comes cross-site from Webex (same-origin from an embedded emulator).
      // Same-site means another port or name of this machine's site: a page there can set its own
      // flow cookie (cookies do not keep ports apart) and send the browser here with its own code,
      // signing the admin in as someone else. Refused before the flow is touched.
      if (request.headers['sec-fetch-site'] === 'same-site') {
        throw new AppError('state_invalid', {
          status: 403,
          reason:
            'This sign-in answer was sent from another port or name of this machine (Sec-Fetch-Site: same-site), not by Webex, so it was refused: a program there may be trying to sign this browser in as someone else. Start a new sign-in from this app.'
        })
      }
      if (request.validationError !== undefined) throw malformedCallback()
      const { query } = request
      const flow = takeFlow(request, reply, query)
      const code = codeFrom(query, flow, config.clientSecret)
      const { tokens, idClaims } = await exchangeAndVerify(webex, { code, flow, client: config, now: ctx.now })
      return await presenterOf(flow.purpose ?? 'tokens')(request, reply, {
        tokens,
        requested: flow.scopes,
        ...(idClaims === undefined ? {} : { idClaims })
      })
    })
  }
}

/** The callback, as a plugin on the app's services: each sign-in goes to the page that registered its purpose. */
export async function callbackPage (app: FastifyInstance): Promise<void> {
  const signIns = app.signIns
  await app.register(callbackRoutes(webContext(app), (purpose) => signIns.present(purpose)))
}
