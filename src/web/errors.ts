// The app's one error handler and one not-found handler: every failure becomes an
// explanatory page from the error catalogue, with the right status and no stack trace.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { invalidScopeExplanation, roleGroups, type Catalogue, type RoleGroup } from '../catalogue/index.ts'
import { AppError, ERROR_KINDS, type ErrorKind } from '../errors.ts'
import { factText, PAGE_TEXT } from './error-text.ts'
import type { WebContext } from './context.ts'
import { pageRenderer } from './render.ts'
import { selectionLink } from './links.ts'

/** Whether a client asked for JSON rather than a page (a script's `Accept: application/json`). */
export function wantsJson (accept: string | undefined): boolean {
  return accept !== undefined && /\bapplication\/json\b/i.test(accept) && !/\btext\/html\b/i.test(accept)
}

export interface ErrorView {
  kind: ErrorKind
  status: number
  title: string
  summary: string
  causes: readonly string[]
  next: readonly string[]
  webexDescription?: string
  webexError?: string
  trackingId?: string
  retryAfter?: number
  requestedScopes?: readonly string[]
  /** invalid_scope: the requested scopes by the role each needs, what that says, and how to try each group alone. */
  roleGroups?: Array<RoleGroup & { scopeText: string }>
  roleExplanation?: string
  /** A form per group that signs in with that group alone (dynamic mode), or its SCOPES line (static mode). */
  retry?: { forms: boolean, env: boolean }
}

/**
 * access_denied covers two situations Webex reports with one code: the person declined, or an
 * org policy blocks the integration. Webex's description tells them apart when it has one.
 */
function deniedReason (description: string | undefined): string | undefined {
  if (description === undefined) return undefined
  if (/polic|not allowed|not permitted|blocked|restrict|disabled|admin/i.test(description)) {
    return "Your org's policy blocks this integration: a full admin must allow it in Control Hub (Apps → Integrations) before anyone in the org can authorize it."
  }
  if (/declin|denied|cancel|reject/i.test(description)) {
    return 'You (or whoever signed in) declined the consent screen, so Webex issued nothing.'
  }
  return undefined
}

/**
 * The view model of an error page: the catalogue entry plus what this failure knows. For
 * invalid_scope the groups by role say what the general causes would: those are left out.
 */
export function errorView (error: AppError, catalogue?: Catalogue, options: { staticMode?: boolean } = {}): ErrorView {
  const entry = { ...ERROR_KINDS[error.kind], ...PAGE_TEXT[error.kind] }
  const d = error.details
  const groups =
    error.kind === 'invalid_scope' &&
    catalogue !== undefined &&
    d.requestedScopes !== undefined &&
    d.requestedScopes.length > 0
      ? roleGroups(catalogue, d.requestedScopes)
      : undefined
  const explained = groups === undefined ? undefined : invalidScopeExplanation(groups)
  const ownSentence = d.reason !== undefined || d.fact !== undefined
  return {
    kind: error.kind,
    status: error.status,
    title: entry.title,
    summary:
      d.reason ??
      (d.fact === undefined ? undefined : factText(d.fact)) ??
      (error.kind === 'access_denied' ? deniedReason(d.webexDescription) : undefined) ??
      entry.summary,
    // A form's own problem (a Check, Renew or Grants field) says what it is; the start page's
    // causes and next steps (no scope chosen…) would only mislead.
    causes: groups !== undefined || (error.kind === 'bad_request' && ownSentence) ? [] : entry.causes,
    next:
      error.kind === 'bad_request' && ownSentence
        ? ['Go back, correct the field and send the form again.']
        : entry.next,
    webexDescription: d.webexDescription,
    webexError: d.webexError,
    trackingId: d.trackingId,
    retryAfter: d.retryAfter,
    requestedScopes: d.requestedScopes !== undefined && d.requestedScopes.length > 0 ? d.requestedScopes : undefined,
    roleGroups: groups?.map((g) => ({ ...g, scopeText: g.scopes.join(' ') })),
    roleExplanation: explained?.text,
    retry:
      explained?.retryEachGroup === true
        ? { forms: options.staticMode !== true, env: options.staticMode === true }
        : undefined
  }
}

/** Framework errors (bad body, unsupported type, too large) are the client's: 4xx with their own status. */
function toAppError (error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500
  if (status >= 400 && status < 500) {
    const reason =
      status === 413
        ? 'The request was too large.'
        : status === 415
          ? 'The request was sent in a format this page does not accept.'
          : 'The request could not be read.'
    return new AppError('bad_request', { reason, status })
  }
  return new AppError('unknown_error', {
    status: 500,
    reason: 'The app hit an unexpected problem and stopped this request.'
  })
}

/** The error for a client that asked for JSON: the kind, the summary and the status, nothing more. */
function sendJson (reply: FastifyReply, view: ErrorView) {
  return reply
    .code(view.status)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({
      error: view.kind,
      message: view.summary,
      statusCode: view.status,
      ...(view.retryAfter === undefined ? {} : { retryAfter: view.retryAfter })
    })
}

export function errorHandler (ctx: WebContext) {
  const render = pageRenderer(ctx.config)
  return async function handleError (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
    const appError = toAppError(error)
    if (appError === error) {
      request.log.info(
        { kind: appError.kind, status: appError.status, trackingId: appError.details.trackingId },
        'request failed'
      )
    } else {
      // Log the error's type and where it came from, never its message: messages can quote input.
      const code = 'code' in error ? String(error.code) : undefined
      request.log[appError.status >= 500 ? 'error' : 'info'](
        {
          kind: appError.kind,
          status: appError.status,
          errorType: error.name,
          code,
          at: error.stack?.split('\n').slice(1, 6).join(' | ')
        },
        'request failed'
      )
    }
    if (appError.details.retryAfter !== undefined) reply.header('retry-after', String(appError.details.retryAfter))
    const view = errorView(appError, ctx.catalogue, { staticMode: ctx.config.mode === 'static' })
    if (wantsJson(request.headers.accept)) return sendJson(reply, view)
    // A failure on the Grants pages leads back to them, for a new sign-in there; a refused
    // sign-in leads back to the page with its scopes still chosen, to try again with fewer.
    const requested = appError.details.requestedScopes
    const back = request.url.startsWith('/grants')
      ? { href: '/grants', label: 'Back to Grants' }
      : requested !== undefined && requested.length > 0 && ctx.config.mode === 'dynamic'
        ? { href: selectionLink(requested), label: 'Back to these scopes' }
        : { href: '/', label: 'Back to the start' }
    return render(reply, 'pages/error', view.title, { error: view, back }, { status: view.status, noStore: true })
  }
}

export function notFoundHandler (ctx: WebContext) {
  const render = pageRenderer(ctx.config)
  return async function handleNotFound (request: FastifyRequest, reply: FastifyReply) {
    const view = errorView(new AppError('not_found'))
    if (wantsJson(request.headers.accept)) return sendJson(reply, view)
    return render(
      reply,
      'pages/error',
      view.title,
      { error: view, back: { href: '/', label: 'Back to the start' } },
      { status: 404, noStore: true }
    )
  }
}
