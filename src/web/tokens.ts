// The token lifecycle in the browser: show tokens (after a grant or a refresh), refresh a
// token held by the admin (GET/POST /refresh), and check an access token (GET/POST /check).
import { errorSentence } from './error-text.ts'
import type { Presenter, TokensToShow } from './sign-in.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import * as z from 'zod'
import { withoutBearer } from '../oauth/token-file.ts'
import { AppError } from '../errors.ts'
import { isReadOnlyAdmin, orgIdFromToken, type Person, type TokenSet } from '../webex/resources.ts'
import { orgNameOf } from '../webex/client.ts'
import { formRoute, recordAudit, type WebContext } from './context.ts'
import { schemaIssue, zodRoutes, type SchemaIssue } from '../route-schema.ts'
import { tokenEntry, type AuditEventName } from '../audit.ts'
import { canManageGrants, signInGrantOf } from '../oauth/grants.ts'
import { describeEnvironment, formatDateTime, formatRelative, pageRenderer } from './render.ts'
import { tokensView, type RevokeView } from './tokens-view.ts'

/** A token field: trimmed, `Bearer ` as pasted from curl or Postman dropped (withoutBearer). */
export const TOKEN = z
  .string()
  .max(4200, 'too long')
  .transform(withoutBearer)
  .pipe(
    z
      .string()
      .min(1, 'empty')
      .max(4096, 'too long')
      .regex(/^[A-Za-z0-9_.~+/=-]+$/, 'not a token')
  )

const refreshBody = z.object({
  refresh_token: TOKEN,
  /** A Service App's tokens are refreshed with its own client id and secret, typed again each time. */
  client_id: z
    .string()
    .trim()
    .max(1000)
    .regex(/^[A-Za-z0-9_=+/.:-]*$/)
    .optional(),
  client_secret: z.string().trim().max(512).optional(),
  /** The expiry of the refresh token being renewed, shown again when Webex keeps it. */
  refresh_token_expires_at: z.iso.datetime().optional().or(z.literal(''))
})

const checkBody = z.object({ access_token: TOKEN })

export function tokenRoutes (ctx: WebContext) {
  const { config, webex } = ctx
  const render = pageRenderer(config)
  const environment = describeEnvironment(config)

  /** people/me and the org name; a failure only adds a note, since the tokens themselves are fine. */
  async function whoIs (
    request: FastifyRequest,
    accessToken: string
  ): Promise<{ person?: Person, personProblem?: string, orgName?: string }> {
    try {
      const person = await webex.getMe(accessToken)
      return { person, orgName: await orgNameOf(webex, accessToken, person.orgId ?? orgIdFromToken(accessToken)) }
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      request.log.info({ kind: err.kind, trackingId: err.details.trackingId }, 'people/me failed')
      return { personProblem: errorSentence(err) }
    }
  }

  /**
   * Which grant "Revoke these tokens" would revoke: for a sign-in just made, the one Webex lists
   * as this sign-in's, proven (signInGrantOf), never the newest. Renewed tokens belong to an
   * older sign-in that cannot be told apart from the others: the Grants page is where to choose.
   */
  async function revokeTarget (
    input: { tokens: TokenSet, requested?: readonly string[], refreshed?: boolean, serviceApp?: object },
    person: Person | undefined
  ): Promise<RevokeView> {
    if (!canManageGrants(input.tokens.grantedScopes ?? input.requested)) return { revocable: false }
    const unproven = (reason: string, candidateIds: string[] = []) => ({
      revocable: true,
      unproven: { reason, candidateIds: candidateIds.join(' ') }
    })
    const issuedAfter = input.tokens.webexIssuedAfter
    if (
      input.refreshed === true ||
      input.serviceApp !== undefined ||
      person === undefined ||
      issuedAfter === undefined
    ) {
      return unproven(
        'These tokens came from a refresh of an earlier sign-in, so this page cannot tell which of your grants they belong to.'
      )
    }
    try {
      const found = signInGrantOf(
        await webex.listAuthorizations(input.tokens.accessToken, { personId: person.id }),
        config.clientId,
        issuedAfter
      )
      if ('proven' in found) return { revocable: true, authorizationId: found.proven.id }
      return found.candidates.length === 0
        ? unproven("Webex does not list this sign-in's grant yet, so this page will not guess which grant to revoke.")
        : unproven(
            `${found.candidates.length} sign-ins of this integration were made at about the same time as this one, and Webex does not say which is which, so this page will not guess.`,
            found.candidates.map((g) => g.id)
        )
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      return unproven("Webex did not list your grants just now, so this page cannot tell which is this sign-in's.")
    }
  }

  /** Renders the tokens page; never cached, never in a URL. */
  async function presentTokens (
    request: FastifyRequest,
    reply: FastifyReply,
    input: TokensToShow
  ) {
    const who = await whoIs(request, input.tokens.accessToken)
    const now = ctx.now()
    const event: AuditEventName =
      input.refreshed === true
        ? 'token_refreshed'
        : input.serviceApp !== undefined
          ? 'service_app_token_issued'
          : 'token_issued'
    const purpose = input.refreshed === true || input.serviceApp !== undefined ? {} : { purpose: 'tokens' as const }
    await recordAudit(ctx, request, () =>
      tokenEntry({
        event,
        via: 'web',
        clientId: input.serviceApp?.clientId ?? config.clientId,
        tokens: input.tokens,
        person: who.person,
        requested: input.requested,
        ...purpose,
        now
      })
    )
    // A read-only admin is granted admin write scopes, yet Webex refuses every change they make.
    const readOnlyWrites =
      who.person !== undefined && isReadOnlyAdmin(who.person)
        ? (input.tokens.grantedScopes ?? input.requested ?? []).filter((id) => {
            const scope = ctx.catalogue.byId.get(id)
            return scope?.access === 'write' && scope.role !== 'any_user'
          })
        : []
    const view = tokensView({
      ...input,
      ...who,
      now,
      environment,
      revoke: await revokeTarget(input, who.person),
      readOnlyWrites
    })
    return render(
      reply,
      'pages/tokens',
      input.refreshed === true ? 'Your renewed Webex tokens' : 'Your Webex tokens',
      view,
      { noStore: true }
    )
  }

  function badToken (what: string, issue: SchemaIssue): AppError {
    return new AppError('bad_request', {
      reason: `The ${what} field is ${issue.field === 'refresh_token_expires_at' ? 'malformed' : issue.message}: paste the whole token, nothing else.`
    })
  }

  async function routes (instance: FastifyInstance): Promise<void> {
    const app = zodRoutes(instance)
    app.get('/refresh', (_request, reply) =>
      render(reply, 'pages/refresh', 'Renew a refresh token', {}, { noStore: true })
    )

    app.post('/refresh', formRoute(config, refreshBody), async (request, reply) => {
      const issue = schemaIssue(request)
      if (issue !== undefined) throw badToken('refresh token', issue)
      const { body } = request
      const held = body.refresh_token_expires_at
      const { client_id: clientId, client_secret: clientSecret } = body
      const serviceApp = clientId === undefined || clientId === '' ? undefined : { clientId }
      if (serviceApp !== undefined && (clientSecret === undefined || clientSecret === '')) {
        throw new AppError('bad_request', {
          reason: "These are a Service App's tokens: type its client secret to refresh them."
        })
      }
      const tokens = await webex.refresh(
        body.refresh_token,
        held === undefined || held === '' ? undefined : new Date(held),
        serviceApp === undefined ? undefined : { clientId: serviceApp.clientId, clientSecret: clientSecret ?? '' }
      )
      return presentTokens(request, reply, {
        tokens,
        refreshed: true,
        ...(serviceApp === undefined ? {} : { serviceApp })
      })
    })

    app.get('/check', (_request, reply) => render(reply, 'pages/check', 'Check an access token', {}, { noStore: true }))

    app.post('/check', formRoute(config, checkBody), async (request, reply) => {
      const issue = schemaIssue(request)
      if (issue !== undefined) throw badToken('access token', issue)
      const token = request.body.access_token
      // people/me is the one call every valid token may make: its failure is the answer.
      const person = await webex.getMe(token)
      const orgId = person.orgId ?? orgIdFromToken(token)
      const orgName = await orgNameOf(webex, token, orgId)
      let expiry: Date | undefined
      try {
        expiry = await webex.getTokenExpiry(token)
      } catch (err) {
        if (!(err instanceof AppError)) throw err
      }
      const now = ctx.now()
      await recordAudit(ctx, request, () =>
        tokenEntry({ event: 'token_checked', via: 'web', clientId: config.clientId, accessToken: token, person, now })
      )
      return render(
        reply,
        'pages/check',
        'Check an access token',
        {
          result: {
            person: { displayName: person.displayName, email: person.emails[0] },
            orgId,
            orgName,
            expiry:
              expiry === undefined
                ? undefined
                : {
                    iso: expiry.toISOString(),
                    text: formatDateTime(expiry),
                    relative: formatRelative(expiry, now),
                    past: expiry.getTime() <= now
                  }
          }
        },
        { noStore: true }
      )
    })
  }

  /** After a sign-in for tokens: the tokens page. */
  const present: Presenter = async (request, reply, signIn) => await presentTokens(request, reply, signIn)

  return { routes, presentTokens, present }
}

export type PresentTokens = ReturnType<typeof tokenRoutes>['presentTokens']
