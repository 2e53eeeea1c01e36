// The Grants page: its own sign-in for identity:tokens_read and identity:tokens_write, a
// person's grants by application, and revoking one grant or every grant of an application
// after a confirmation page (docs/webex-contract.md, "Authorizations"). Like the tokens page,
// it keeps nothing: the admin's token travels in the page's own forms, in POST bodies only.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import * as z from 'zod'
import { definedOnly, revokeEntry } from '../audit.ts'
import { AppError } from '../errors.ts'
import {
  applicationName,
  clientConsequence,
  grantConsequence,
  GRANTS_PRESET_ID,
  presetScopes,
  WEBEX_OWN_CLIENTS
} from '../oauth/grants.ts'
import { LOGIN_HINT } from '../oauth/flow.ts'
import { type Authorization, type Person, WEBEX_ID_PATTERN } from '../webex/resources.ts'
import { formRoute, recordAudit, type WebContext } from './context.ts'
import { schemaIssue, zodRoutes, type SchemaIssue } from '../route-schema.ts'
import { pageRenderer } from './render.ts'
import { adminView, grantsListView, grantView, plural, SESSION_NOTE, when } from './grants-view.ts'
import { TOKEN } from './tokens.ts'
import { pageSignIn, signedInAdmin, type BeginSignIn, type Presenter } from './sign-in.ts'

export const GRANTS_TITLE = 'Grants: who holds which token'

/** The intro page's view: what the sign-in asks for. */
export function grantsIntroView (ctx: WebContext) {
  return { scopes: presetScopes(ctx.catalogue, GRANTS_PRESET_ID), clientId: ctx.config.clientId }
}

const WEBEX_ID = z.string().trim().min(1).max(1000).regex(WEBEX_ID_PATTERN, 'not a Webex id')

const listBody = z.object({
  access_token: TOKEN,
  email: z.string().trim().max(254).optional(),
  /** From the tokens page: the grants that may be its sign-in's, marked in the list. */
  candidates: z.string().trim().max(4000).optional(),
  /** The grant of this page's own sign-in, when it was proven at the sign-in (marked, and warned about). */
  session_grant: WEBEX_ID.optional()
})

const targetBody = listBody.extend({
  authorization_id: WEBEX_ID.optional(),
  client_id: WEBEX_ID.optional()
})

const revokeBody = targetBody.extend({
  confirm: z.literal('yes'),
  /** Revoking a whole application: its name, typed by the admin. */
  confirm_name: z.string().max(300).optional()
})

type ListBody = z.infer<typeof listBody>

/** Why a grants form failed its schema, naming the field. */
function badForm (issue: SchemaIssue): AppError {
  return new AppError('bad_request', {
    reason:
      issue.field === 'access_token'
        ? 'The form carried no usable access token: sign in again from the Grants page.'
        : `The ${issue.field.replace('_', ' ')} field is ${issue.message}.`
  })
}

/** The request's body, or the page's explanation of why it failed its schema. */
function checked<T> (request: Pick<FastifyRequest, 'validationError'> & { body: T }): T {
  const issue = schemaIssue(request)
  if (issue !== undefined) throw badForm(issue)
  return request.body
}

export function grantsRoutes (ctx: WebContext, begin: BeginSignIn) {
  const { config, webex } = ctx
  const render = pageRenderer(config)

  /** The person a form names (the admin when the email is empty), as the API takes it. */
  function whoseGrants (body: ListBody, admin: Person): { personId: string } | { personEmail: string } {
    const email = body.email ?? ''
    if (email === '' || admin.emails.includes(email)) return { personId: admin.id }
    const parsed = LOGIN_HINT.safeParse(email)
    if (!parsed.success) {
      throw new AppError('bad_request', {
        reason: 'The email field must be one email address, such as alex@example.com.'
      })
    }
    return { personEmail: parsed.data }
  }

  /** The list page for a person, with an optional notice above it (what was just revoked). */
  async function renderList (
    reply: FastifyReply,
    accessToken: string,
    admin: Person,
    body: ListBody,
    extra: { revoked?: object, status?: number, issuedAfter?: number } = {}
  ) {
    const person = whoseGrants(body, admin)
    const email = 'personEmail' in person ? person.personEmail : (admin.emails[0] ?? '')
    let grants: Authorization[]
    try {
      grants = await webex.listAuthorizations(accessToken, person)
    } catch (err) {
      // An unknown person keeps the admin on the page, token and all, to try another address.
      if (!(err instanceof AppError) || err.kind !== 'webex_not_found') throw err
      return render(
        reply,
        'pages/grants',
        GRANTS_TITLE,
        {
          accessToken,
          admin: adminView(admin),
          email,
          problem: `Webex found no person with the email ${email} in your org.`,
          ...extra
        },
        { status: 404, noStore: true }
      )
    }
    const { issuedAfter, ...shown } = extra
    return render(
      reply,
      'pages/grants',
      GRANTS_TITLE,
      {
        accessToken,
        ...grantsListView({
          grants,
          person,
          email,
          admin,
          body,
          clientId: config.clientId,
          now: ctx.now(),
          issuedAfter
        }),
        ...shown
      },
      { status: extra.status ?? 200, noStore: true }
    )
  }

  /** What a confirm or revoke form points at, described from the person's current list. */
  async function target (accessToken: string, admin: Person, body: z.infer<typeof targetBody>) {
    if (body.authorization_id !== undefined) {
      const person = whoseGrants(body, admin)
      const grant = (await webex.listAuthorizations(accessToken, person)).find((g) => g.id === body.authorization_id)
      if (grant === undefined) {
        throw new AppError('webex_not_found', {
          reason: "This grant is no longer in the person's list: it was revoked already, or has expired."
        })
      }
      return { kind: 'grant' as const, grant, email: body.email ?? '' }
    }
    if (body.client_id !== undefined) {
      const person = whoseGrants(body, admin)
      const held = (await webex.listAuthorizations(accessToken, person)).filter((g) => g.clientId === body.client_id)
      const name = applicationName(body.client_id, held[0]?.applicationName)
      return {
        kind: 'client' as const,
        clientId: body.client_id,
        name,
        own: body.client_id === config.clientId,
        webex: WEBEX_OWN_CLIENTS.has(body.client_id),
        held: held.length,
        email: body.email ?? ''
      }
    }
    throw new AppError('bad_request', { reason: 'Choose a grant or an application to revoke.' })
  }

  /** The page and its own sign-in, for the Grants preset's scopes. */
  const signIn = pageSignIn(ctx, begin, {
    purpose: 'grants',
    path: '/grants',
    preset: GRANTS_PRESET_ID,
    template: 'pages/grants-intro',
    title: GRANTS_TITLE,
    view: () => grantsIntroView(ctx)
  })

  async function routes (instance: FastifyInstance): Promise<void> {
    const app = zodRoutes(instance)
    signIn.routes(app)

    app.post('/grants/list', formRoute(config, listBody), async (request, reply) => {
      const body = checked(request)
      const admin = await webex.getMe(body.access_token)
      return renderList(reply, body.access_token, admin, body)
    })

    /** The confirmation page; revoking a whole application needs its name typed. */
    function renderConfirm (
      reply: FastifyReply,
      body: z.infer<typeof targetBody>,
      admin: Person,
      chosen: Awaited<ReturnType<typeof target>>,
      problem?: string
    ) {
      const now = ctx.now()
      const self = chosen.email === '' || admin.emails.includes(chosen.email)
      return render(
        reply,
        'pages/grants-confirm',
        'Revoke a grant?',
        {
          accessToken: body.access_token,
          sessionGrant: body.session_grant,
          email: chosen.email,
          problem,
          grant:
            chosen.kind === 'grant'
              ? {
                  ...grantView(chosen.grant, now, { session: body.session_grant }),
                  applicationName: applicationName(chosen.grant.clientId, chosen.grant.applicationName),
                  webex: WEBEX_OWN_CLIENTS.has(chosen.grant.clientId ?? ''),
                  consequence: grantConsequence(chosen.grant),
                  sessionNote: SESSION_NOTE
                }
              : undefined,
          client:
            chosen.kind === 'client'
              ? {
                  clientId: chosen.clientId,
                  name: chosen.name,
                  own: chosen.own,
                  webex: chosen.webex,
                  consequence: clientConsequence(chosen.name, chosen.own, chosen.webex),
                  affected: `Everyone in your org who signed in to ${chosen.name}. Webex does not list them in advance; ${self ? 'you hold' : `${chosen.email} holds`} ${plural(chosen.held, 'grant')} of it.`
                }
              : undefined
        },
        { noStore: true, status: problem === undefined ? 200 : 400 }
      )
    }

    app.post('/grants/confirm', formRoute(config, targetBody), async (request, reply) => {
      const body = checked(request)
      const admin = await webex.getMe(body.access_token)
      return renderConfirm(reply, body, admin, await target(body.access_token, admin, body))
    })

    app.post('/grants/revoke', formRoute(config, revokeBody), async (request, reply) => {
      const body = checked(request)
      const token = body.access_token
      const admin = await webex.getMe(token)
      // Described before it goes: once revoked, Webex no longer lists it (and a grant already gone is a 404 page).
      const chosen = await target(token, admin, body)
      // The most destructive button here: the application's name, typed, as a repository's deletion asks for.
      if (chosen.kind === 'client' && body.confirm_name?.trim() !== chosen.name) {
        return renderConfirm(
          reply,
          body,
          admin,
          chosen,
          `Type the application's name, ${chosen.name}, exactly as shown, to revoke every grant of it in the org. Nothing was revoked.`
        )
      }
      const { trackingId } =
        chosen.kind === 'grant'
          ? await webex.deleteAuthorization(token, chosen.grant.id)
          : await webex.deleteClientAuthorizations(token, chosen.clientId)
      const now = ctx.now()
      const session = chosen.kind === 'grant' && chosen.grant.id === body.session_grant
      const revoked =
        chosen.kind === 'grant'
          ? {
              what: `${chosen.grant.applicationName ?? 'A'} ${chosen.grant.type ?? ''} grant created ${when(chosen.grant.created, now)?.text ?? '(date not given)'}`,
              consequence: grantConsequence(chosen.grant) + (session ? ` ${SESSION_NOTE}` : '')
            }
          : {
              what: `Every grant of ${chosen.name} in the org`,
              consequence: clientConsequence(chosen.name, chosen.own, chosen.webex)
            }
      const audited =
        chosen.kind === 'grant'
          ? {
              authorization_id: chosen.grant.id,
              client_id: chosen.grant.clientId,
              application_name: chosen.grant.applicationName,
              type: chosen.grant.type,
              person_email: chosen.email === '' ? undefined : chosen.email
            }
          : { client_id: chosen.clientId, application_name: chosen.name, org_id: admin.orgId }
      await recordAudit(ctx, request, () =>
        revokeEntry({
          via: 'web',
          clientId: config.clientId,
          admin,
          adminToken: token,
          trackingId,
          now,
          revoked: definedOnly(audited)
        })
      )
      request.log.info({ event: 'grant_revoked' }, 'grant revoked')
      try {
        return await renderList(reply, token, admin, body, { revoked })
      } catch (err) {
        // The revocation may have taken this page's own token with it (own client, own sign-in).
        if (!(err instanceof AppError) || err.kind !== 'token_invalid') throw err
        return render(reply, 'pages/grants', GRANTS_TITLE, { revoked, signedOut: true }, { noStore: true })
      }
    })
  }

  /** After the Grants sign-in: the signed-in admin's own grants, this page's own sign-in marked when proven. */
  const present: Presenter = async (request, reply, signIn) => {
    const admin = await signedInAdmin(ctx, request, 'grants', signIn)
    const { tokens } = signIn
    return renderList(
      reply,
      tokens.accessToken,
      admin,
      { access_token: tokens.accessToken },
      tokens.webexIssuedAfter === undefined ? {} : { issuedAfter: tokens.webexIssuedAfter }
    )
  }

  return { routes, start: signIn.start, present }
}
