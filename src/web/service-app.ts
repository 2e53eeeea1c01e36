// The Service App page: its own sign-in for spark:applications_token, then a form for the
// Service App's application id, client id and secret and the target org; the answer is the
// Service App's tokens on the usual tokens page, marked as such (docs/webex-contract.md,
// "Service Apps"). The secret is used for that one request and kept nowhere; like the Grants
// page, the integration token travels in the page's own form only.
import type { FastifyInstance, FastifyReply } from 'fastify'
import * as z from 'zod'
import { AppError } from '../errors.ts'
import { errorSentence, PAGE_TEXT } from './error-text.ts'
import { presetScopes } from '../oauth/grants.ts'
import { orgIdFromToken, type Person, WEBEX_ID_PATTERN } from '../webex/resources.ts'
import { formRoute, type WebContext } from './context.ts'
import { schemaIssue, zodRoutes } from '../route-schema.ts'
import { pageRenderer } from './render.ts'
import { TOKEN } from './tokens.ts'
import { pageSignIn, signedInAdmin, type BeginSignIn, type Presenter, type ShowTokens } from './sign-in.ts'

export const SERVICE_APP_PRESET_ID = 'service-app'
export const SERVICE_APP_TITLE = 'Service App tokens'

export function serviceAppIntroView (ctx: WebContext) {
  return { scopes: presetScopes(ctx.catalogue, SERVICE_APP_PRESET_ID), clientId: ctx.config.clientId }
}

const WEBEX_ID = z.string().trim().min(1, 'empty').max(1000, 'too long').regex(WEBEX_ID_PATTERN, 'not a Webex id')

const tokenBody = z.object({
  access_token: TOKEN,
  application_id: WEBEX_ID,
  client_id: WEBEX_ID,
  client_secret: z.string().trim().min(1, 'empty').max(512, 'too long'),
  target_org_id: WEBEX_ID
})

const FIELD_NAMES: Record<string, string> = {
  application_id: 'application id',
  client_id: 'client id',
  client_secret: 'client secret',
  target_org_id: 'target org id'
}

export function serviceAppRoutes (ctx: WebContext, presentTokens: ShowTokens, begin: BeginSignIn) {
  const { config, webex } = ctx
  const render = pageRenderer(config)

  /** The form after the sign-in; the org defaults to the admin's own. */
  function renderForm (
    reply: FastifyReply,
    view: { accessToken: string, admin?: Person, values?: Record<string, string>, problem?: string },
    status = 200
  ) {
    const orgId = view.admin?.orgId ?? orgIdFromToken(view.accessToken)
    return render(
      reply,
      'pages/service-app',
      SERVICE_APP_TITLE,
      {
        ...serviceAppIntroView(ctx),
        form: {
          accessToken: view.accessToken,
          admin:
            view.admin === undefined
              ? undefined
              : { displayName: view.admin.displayName ?? view.admin.emails[0], email: view.admin.emails[0] },
          targetOrgId: view.values?.target_org_id ?? orgId ?? '',
          applicationId: view.values?.application_id ?? '',
          clientId: view.values?.client_id ?? ''
        },
        problem: view.problem
      },
      { status, noStore: true }
    )
  }

  /** The page and its own sign-in, for the Service App preset's scope. */
  const signIn = pageSignIn(ctx, begin, {
    purpose: 'service-app',
    path: '/service-app',
    preset: SERVICE_APP_PRESET_ID,
    template: 'pages/service-app',
    title: SERVICE_APP_TITLE,
    view: () => serviceAppIntroView(ctx)
  })

  async function routes (instance: FastifyInstance): Promise<void> {
    const app = zodRoutes(instance)
    signIn.routes(app)

    app.post('/service-app/token', formRoute(config, tokenBody), async (request, reply) => {
      const issue = schemaIssue(request)
      if (issue !== undefined) {
        // The body as the browser posted it: it failed its schema, so it is not the schema's type.
        const raw = (request.body as unknown as Record<string, unknown> | undefined) ?? {}
        if (issue.field === 'access_token') {
          throw new AppError('bad_request', {
            reason: 'The form carried no usable integration token: sign in again from the Service App page.'
          })
        }
        // The form again, with what was typed (never the secret) and the problem.
        const keep = Object.fromEntries(
          ['application_id', 'client_id', 'target_org_id'].map((k) => [
            k,
            typeof raw[k] === 'string' ? raw[k].slice(0, 1000) : ''
          ])
        )
        return renderForm(
          reply,
          {
            accessToken: String(raw.access_token),
            values: keep,
            problem: `The ${FIELD_NAMES[issue.field] ?? issue.field} field is ${issue.message}.`
          },
          400
        )
      }
      const { body } = request
      let tokens
      try {
        tokens = await webex.serviceAppToken(body.access_token, {
          applicationId: body.application_id,
          clientId: body.client_id,
          clientSecret: body.client_secret,
          targetOrgId: body.target_org_id
        })
      } catch (err) {
        // Webex's refusals (a wrong secret, an app not authorized in the org, an unknown app, a
        // token without the scope) are the form's to act on: the form again, its fields kept but
        // the secret, with what happened, what to do and Webex's words. An integration token that
        // no longer works needs a new sign-in: the error page, as for any other failure.
        if (!(err instanceof AppError) || err.kind === 'token_invalid' || err.status >= 500) throw err
        const entry = PAGE_TEXT[err.kind]
        const said = err.details.webexDescription === undefined ? '' : ` Webex said: "${err.details.webexDescription}".`
        const tracking = err.details.trackingId === undefined ? '' : ` (Tracking ID ${err.details.trackingId})`
        return renderForm(
          reply,
          {
            accessToken: body.access_token,
            values: body,
            problem: `${entry.title}: ${errorSentence(err)}${said} ${entry.next.join(' ')}${tracking}`
          },
          err.status
        )
      }
      request.log.info({ event: 'service_app_token_issued' }, 'service app token issued')
      return presentTokens(request, reply, { tokens, serviceApp: { clientId: body.client_id } })
    })
  }

  /** After the sign-in: the form, with the admin's org filled in. */
  const present: Presenter = async (request, reply, signIn) => {
    const admin = await signedInAdmin(ctx, request, 'service-app', signIn)
    return renderForm(reply, { accessToken: signIn.tokens.accessToken, admin })
  }

  return { routes, start: signIn.start, present }
}
