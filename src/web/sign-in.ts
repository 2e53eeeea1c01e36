// Starting a sign-in, for every page that has one: the scope page (POST /start), the Grants page
// (POST /start/grants) and the Service App page (POST /start/service-app). Each page checks its
// own form; this makes the flow, seals its cookie and hands the browser on to Webex. When the
// answer comes back, the callback gives it to the page that started it (callback.ts).
import type { FastifyReply, FastifyRequest } from 'fastify'
import * as z from 'zod'
import {
  authorizeUrl,
  createFlow,
  FLOW_TTL_MS,
  LOGIN_HINT,
  pkceChallenge,
  type AccountChoice,
  type FlowPurpose
} from '../oauth/flow.ts'
import {
  capOpenFlows,
  flowCookieName,
  FLOW_INDEX_COOKIE,
  formatFlowIndex,
  MAX_FLOW_COOKIE_BYTES,
  parseFlowIndex,
  sealFlow
} from './flow-cookies.ts'
import { AppError } from '../errors.ts'
import { presetScopes } from '../oauth/grants.ts'
import { tokenEntry } from '../audit.ts'
import type { IdClaims } from '../oauth/id-token.ts'
import type { Person, TokenSet } from '../webex/resources.ts'
import { formRoute, recordAudit, unreadableForm, type WebContext } from './context.ts'
import type { ZodRoutes } from '../route-schema.ts'
import { pageRenderer } from './render.ts'
import { binderOf } from './browser-binding.ts'

/** The account fields every sign-in form has. */
export const accountFields = z.object({
  /** Present when the form had the account fields: an unticked box is then sent as nothing. */
  account_choice: z.string().max(8).optional(),
  select_account: z.string().max(8).optional(),
  login_hint: z.string().max(1000).optional()
})

/** The body of a page's start route: the account fields, and whatever else its form carried. */
const startFields = accountFields.loose()

export type AccountProblem = { problem: string, loginHint: string }

/**
 * The account choice of a sign-in form: the chooser is on unless the form had the box and it
 * was unticked; the "sign in as" email must be one address.
 */
export function accountChoice (body: z.infer<typeof accountFields>): AccountChoice | AccountProblem {
  const selectAccount = body.account_choice === undefined || body.select_account !== undefined
  const hint = body.login_hint?.trim() ?? ''
  if (hint === '') return { selectAccount }
  const parsed = LOGIN_HINT.safeParse(hint)
  if (!parsed.success) {
    return {
      problem: `"Sign in as" must be one email address, such as admin@example.com (${parsed.error.issues[0]?.message ?? 'invalid'}).`,
      loginHint: hint.slice(0, 254)
    }
  }
  return { selectAccount, loginHint: parsed.data }
}

/** What a form keeps of the account fields when it is shown again. */
export function keptAccount (account: AccountChoice | AccountProblem): { noSelect?: boolean, loginHint?: string } {
  return 'problem' in account
    ? { loginHint: account.loginHint }
    : { noSelect: !account.selectAccount, loginHint: account.loginHint }
}

/** The cookie that lists this browser's open flows lives here, so every page's start route sees it. */
export const START_PATH = '/start'

/**
 * Begins a sign-in for these scopes: the flow, its sealed cookie on the callback's path (past
 * the cap the oldest open flows are dropped), and the hand-off page. Returns 'too_large' when
 * the flow would not fit in a cookie, so the page can say so on its own form.
 */
export function signInStarter (ctx: WebContext) {
  const { config } = ctx
  const render = pageRenderer(config)
  return async function begin (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { scopes: readonly string[], purpose: FlowPurpose, account: AccountChoice }
  ): Promise<FastifyReply | 'too_large'> {
    const flow = createFlow(input.scopes, ctx.now(), { purpose: input.purpose })
    const value = sealFlow(flow, ctx.flowKey)
    if (value.length > MAX_FLOW_COOKIE_BYTES) return 'too_large'
    const name = flowCookieName(flow.state)
    const cookieOptions = {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secure,
      maxAge: FLOW_TTL_MS / 1000
    } as const
    // Flow cookies live on the callback's path, out of the start routes' sight, so an index
    // cookie on /start remembers them: past the cap the oldest are dropped, and the callback's
    // Cookie header stays small however many sign-ins are started and abandoned.
    const { keep, drop } = capOpenFlows(parseFlowIndex(request.cookies[FLOW_INDEX_COOKIE]), {
      name,
      bytes: name.length + value.length
    })
    for (const old of drop) reply.clearCookie(old.name, { path: config.callbackPath })
    reply.setCookie(name, value, { ...cookieOptions, path: config.callbackPath })
    reply.setCookie(FLOW_INDEX_COOKIE, formatFlowIndex(keep), { ...cookieOptions, path: START_PATH })
    const location = authorizeUrl(config.webexBaseUrl, {
      clientId: config.clientId,
      redirectUri: config.redirectUri,
      scopes: input.scopes,
      state: flow.state,
      challenge: pkceChallenge(flow.verifier),
      nonce: flow.nonce,
      account: input.account
    })
    // A page of our own hands the browser on to Webex, instead of a redirect: the browser
    // checks every redirect of a form's navigation against form-action, and Webex's chain
    // crosses hosts no list can name (docs/webex-contract.md, "Authorize: the redirect chain").
    return await render(
      reply,
      'pages/handoff',
      'Signing in with Webex',
      {
        authorizeUrl: location,
        refreshTo: location,
        webexHost: new URL(location).host,
        // Kept in this origin's storage by the page's script; the callback asks for it back.
        state: flow.state,
        binder: binderOf(ctx.flowKey, flow.state)
      },
      { noStore: true }
    )
  }
}

export type BeginSignIn = ReturnType<typeof signInStarter>

/** A page's own sign-in, for its preset's scopes whatever else is posted: the Grants and Service App pages. */
export interface PageSignIn {
  purpose: Exclude<FlowPurpose, 'tokens'>
  preset: string
  /** Where the page is (GET); its sign-in starts at POST /start/<purpose>. */
  path: string
  /** The page, also shown again with a problem in its account fields. */
  template: string
  title: string
  view: () => object
}

/** The handler of a page's start route (POST /start/<purpose>). */
function pageSignInStart (ctx: WebContext, begin: BeginSignIn, page: PageSignIn) {
  const render = pageRenderer(ctx.config)
  return async function start (request: FastifyRequest<{ Body: z.output<typeof startFields> }>, reply: FastifyReply) {
    if (request.validationError !== undefined) throw unreadableForm()
    const account = accountChoice(request.body)
    if ('problem' in account) {
      return render(
        reply,
        page.template,
        page.title,
        { ...page.view(), problem: account.problem, account: keptAccount(account) },
        { status: 400 }
      )
    }
    const started = await begin(request, reply, {
      scopes: presetScopes(ctx.catalogue, page.preset),
      purpose: page.purpose,
      account
    })
    if (started === 'too_large') {
      throw new AppError('bad_request', { reason: 'Too many scopes to carry through the sign-in.' })
    }
    return started
  }
}

export type StartRoute = ReturnType<typeof pageSignInStart>

/**
 * A page with a sign-in of its own: `start`, its start route's handler (also in app.ts's table of
 * sign-ins, for old forms posted to /start), and `routes`, which shows the page at its path
 * and begins the sign-in at POST /start/<purpose>.
 */
export function pageSignIn (ctx: WebContext, begin: BeginSignIn, page: PageSignIn) {
  const render = pageRenderer(ctx.config)
  const start = pageSignInStart(ctx, begin, page)
  return {
    start,
    routes (app: ZodRoutes): void {
      app.get(page.path, (_request, reply) => render(reply, page.template, page.title, page.view()))
      app.post(`/start/${page.purpose}`, formRoute(ctx.config, startFields), start)
    }
  }
}

/** A sign-in back from Webex, as the callback hands it to the page that started it. */
export interface SignIn {
  tokens: TokenSet
  requested: readonly string[]
  idClaims?: IdClaims
}

/** Tokens to show: a sign-in's (with what it asked for), a refresh's, or a Service App's. */
export interface TokensToShow {
  tokens: TokenSet
  requested?: readonly string[]
  refreshed?: boolean
  idClaims?: IdClaims
  serviceApp?: { clientId: string }
}

/** The tokens page: what it shows for tokens. */
export type ShowTokens = (request: FastifyRequest, reply: FastifyReply, input: TokensToShow) => Promise<unknown>

/** What a page shows when its sign-in comes back (callback.ts dispatches by the flow's purpose). */
export type Presenter = (request: FastifyRequest, reply: FastifyReply, signIn: SignIn) => Promise<unknown>

/**
 * Each sign-in's purpose: the page whose start route begins it (the scope page's own /start
 * begins a tokens sign-in) and the page that presents it when it comes back. Fixed, built in app.ts.
 */
export type SignInTable = { tokens: { present: Presenter } } & {
  [P in PageSignIn['purpose']]: { start: StartRoute, present: Presenter }
}

/**
 * The admin of a page's own sign-in (Grants, Service App), whose token is the page's to use and
 * is shown nowhere; the sign-in goes into the audit trail with its purpose.
 */
export async function signedInAdmin (
  ctx: WebContext,
  request: FastifyRequest,
  purpose: PageSignIn['purpose'],
  signIn: SignIn
): Promise<Person> {
  const admin = await ctx.webex.getMe(signIn.tokens.accessToken)
  await recordAudit(ctx, request, () =>
    tokenEntry({
      event: 'token_issued',
      via: 'web',
      purpose,
      clientId: ctx.config.clientId,
      tokens: signIn.tokens,
      person: admin,
      requested: signIn.requested,
      now: ctx.now()
    })
  )
  return admin
}
