// The callback on REDIRECT_URI's path, in two steps. GET (Webex's redirect) matches the state to
// this browser's flow cookie and answers a page that hands the code back by a same-origin POST
// with the flow's binder from this origin's storage (browser-binding.ts). POST spends the flow
// once, exchanges the code, and shows what the page that started the sign-in shows. An answer
// carrying an error, not a code, is explained at once on the GET.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import { exchangeAndVerify } from '../oauth/id-token.ts'
import {
  checkCallback,
  callbackQuery,
  malformedCallback,
  type CallbackQuery,
  type FlowPurpose,
  type FlowState
} from '../oauth/flow.ts'
import { flowCookieName, openFlow } from './flow-cookies.ts'
import { rateLimited, type WebContext } from './context.ts'
import { bodySchema, querySchema, zodRoutes } from '../route-schema.ts'
import * as z from 'zod'
import { binderMatches } from './browser-binding.ts'
import { pageRenderer } from './render.ts'
import type { Presenter } from './sign-in.ts'

function stateInvalid (reason: string): AppError {
  return new AppError('state_invalid', { reason })
}

/** What each kind of sign-in shows when it comes back, by the flow's purpose: the page that started it. */
export type PresenterOf = (purpose: FlowPurpose) => Presenter

export function callbackRoutes (ctx: WebContext, presenterOf: PresenterOf) {
  const { config, webex } = ctx
  const render = pageRenderer(config)
  /** The protocol's complete check of an answer (oauth/flow.ts), spending the flow or not. */
  const check = (query: CallbackQuery, flow: FlowState, spend: boolean): string =>
    checkCallback(query, flow, { now: ctx.now(), consumed: ctx.consumed, spend, clientSecret: config.clientSecret })

  /** This browser's flow for the returned state, from its sealed cookie, or state_invalid. */
  function flowOf (request: FastifyRequest, query: CallbackQuery): FlowState {
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
    const flow = openFlow(raw, ctx.flowKey, name)
    if (flow === undefined) throw stateInvalid('The sign-in cookie was altered or damaged, so it was not trusted.')
    return flow
  }

  /**
   * The callback's rate-limit key. A request that carries this state's genuine flow cookie (sealed
   * with our key, so nobody else can make one) counts against that sign-in alone: no other local
   * program's traffic to the callback can lock the person out. Anything else counts against its
   * address, as every other limited route does.
   */
  function limitKey (request: FastifyRequest): string {
    // The GET's state is in its query; the POST's in its body (its limit runs once that is read).
    const carrier = (request.method === 'POST' ? request.body : request.query) as { state?: unknown } | undefined
    const state = carrier?.state
    if (typeof state === 'string' && state.length > 0 && state.length <= 2048) {
      const name = flowCookieName(state)
      const raw = request.cookies[name]
      if (raw !== undefined && openFlow(raw, ctx.flowKey, name)?.state === state) return `flow:${name}`
    }
    return request.ip
  }

  /** The sign-in back, its flow spent (its cookie cleared), exchanged and handed to the page that started it. */
  async function finish (request: FastifyRequest, reply: FastifyReply, query: CallbackQuery) {
    const flow = flowOf(request, query)
    reply.clearCookie(flowCookieName(flow.state), { path: config.callbackPath })
    const code = check(query, flow, true)
    const { tokens, idClaims } = await exchangeAndVerify(webex, { code, flow, client: config, now: ctx.now })
    return await presenterOf(flow.purpose ?? 'tokens')(request, reply, {
      tokens,
      requested: flow.scopes,
      ...(idClaims === undefined ? {} : { idClaims })
    })
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
      // Webex's error answers carry no code and sign nobody in: explained here at once.
      if (query.code === undefined || query.error !== undefined) return await finish(request, reply, query)
      const flow = flowOf(request, query)
      check(query, flow, false)
      return await render(
        reply,
        'pages/finish-sign-in',
        'Finishing your sign-in',
        { action: config.callbackPath, code: query.code, state: flow.state },
        { noStore: true }
      )
    })

    // The second step, from the page above: the cross-site guard has already refused anything
    // but a same-origin form. It carries the binder from this origin's storage, or, from a page
    // without JavaScript, a person's own click (Sec-Fetch-User: ?1).
    const finishRoute = { ...rateLimited(config, limitKey, 'preHandler'), ...bodySchema(finishBody) }
    app.post(config.callbackPath, finishRoute, async (request, reply) => {
      if (request.validationError !== undefined) throw malformedCallback()
      const { code, state, binder } = request.body
      if (binder !== undefined && binder !== '') {
        if (!binderMatches(ctx.flowKey, state, binder)) throw notThisBrowser()
      } else if (request.headers['sec-fetch-user'] !== '?1') {
        throw notThisBrowser()
      }
      return await finish(request, reply, { code, state })
    })
  }
}

/** The second step's body: the code and state Webex sent, and the binder from this origin's storage. */
const finishBody = z.object({
  code: z.string().min(1).max(2048),
  state: z.string().min(1).max(2048),
  binder: z.string().max(100).optional()
})

/** A code handed back without the proof that this browser started its sign-in. */
function notThisBrowser (): AppError {
  return new AppError('state_invalid', {
    status: 403,
    reason:
      'This sign-in was not started in this browser: the page that began it left no mark here, so a program on another port or site may be trying to sign this browser in as someone else. Nothing was exchanged. Start a new sign-in from this app.'
  })
}
