// GET / (the scope page, with presets and authorize-URL import), GET /scopes.json, and
// POST /start (check the selection, then begin the sign-in: sign-in.ts). The page's view model
// is home-view.ts.
import type { FastifyInstance, FastifyReply } from 'fastify'
import * as z from 'zod'
import { checkSelection, MAX_CUSTOM_FIELD, splitScopeText } from '../catalogue/rules.ts'
import { formRoute, unreadableForm, type WebContext } from './context.ts'
import { querySchema, zodRoutes } from '../route-schema.ts'
import { hostName } from './host-guard.ts'
import { pageRenderer, renderHtml } from './render.ts'
import {
  accountChoice,
  accountFields,
  keptAccount,
  type BeginSignIn,
  type PageSignIn,
  type StartRoute
} from './sign-in.ts'
import { catalogueJson, homeView, importAuthorizeUrl, sortIds, typosOf } from './home-view.ts'

const homeQuery = z.object({
  preset: z.string().max(40).optional(),
  import: z.string().max(16_384).optional(),
  /** A selection to share or to come back to: scope ids, space- or comma-separated. */
  scopes: z
    .string()
    .max(MAX_CUSTOM_FIELD * 4)
    .optional()
})

const startBody = accountFields
  .extend({
    scope: z.union([z.string().max(200), z.array(z.string().max(200)).max(500)]).optional(),
    custom: z.string().max(MAX_CUSTOM_FIELD).optional(),
    /** Ticked: ids in "Other scopes" that look like typos of catalogue ids are sent as written anyway. */
    allow_unknown: z.string().max(8).optional(),
    /** Forms from before the pages had start routes of their own: handed to that page's. */
    purpose: z.enum(['grants', 'service-app']).optional()
  })
  .loose()

export function homeRoutes (
  ctx: WebContext,
  begin: BeginSignIn,
  pageStart: (purpose: PageSignIn['purpose']) => StartRoute
) {
  const { config, catalogue } = ctx
  const render = pageRenderer(config)
  const title = config.mode === 'static' ? 'Get a Webex token' : 'Choose Webex scopes'
  // Both are made by the first request that needs them, not at start-up.
  let defaultModel: ReturnType<typeof homeView> | undefined
  const defaultView = () =>
    (defaultModel ??= homeView(catalogue, config, {
      scopes: config.scopes.filter((s) => catalogue.byId.has(s)),
      custom: config.scopes.filter((s) => !catalogue.byId.has(s))
    }))
  let json: string | undefined

  function renderHome (reply: FastifyReply, view: object, status = 200) {
    return render(reply, 'pages/home', title, view, { status })
  }

  return async function home (instance: FastifyInstance): Promise<void> {
    const app = zodRoutes(instance)
    // The page and each preset's page never change while the app runs: each is rendered
    // once, the first time it is asked for, and kept as bytes.
    const pages = new Map<string, Promise<Buffer>>()
    const sendPage = async (reply: FastifyReply, key: string, view: () => object) => {
      let page = pages.get(key)
      if (page === undefined) {
        page = renderHtml(app, config, 'pages/home', title, view()).then((html) => Buffer.from(html))
        pages.set(key, page)
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await page)
    }

    const canonicalHost = new URL(config.redirectUri).hostname.toLowerCase()
    app.get('/', querySchema(homeQuery), (request, reply) => {
      // Flow cookies are set on the host that serves this page and read on REDIRECT_URI's
      // host: opened as 127.0.0.1 while REDIRECT_URI says localhost, no flow could finish.
      if (hostName(request.host) !== canonicalHost) {
        // From the path and query only: an absolute-form target (GET http://evil.example/) must not leak into Location.
        const { pathname, search } = new URL(request.url, 'http://path.invalid')
        return reply.header('cache-control', 'no-store').redirect(`${config.redirectOrigin}${pathname}${search}`, 307)
      }
      // A query that is not one of these (too long, say) shows the plain page.
      const query = config.mode === 'static' || request.validationError !== undefined ? undefined : request.query
      if (query?.preset !== undefined) {
        const preset = catalogue.presets.find((p) => p.id === query.preset)
        if (preset === undefined) {
          return renderHome(reply, { ...defaultView(), problem: 'There is no such preset.' }, 404)
        }
        return sendPage(reply, `preset:${preset.id}`, () =>
          homeView(catalogue, config, {
            scopes: preset.scopes,
            notice: `Preset "${preset.name}" selected: ${preset.purpose}`
          })
        )
      }
      if (query?.scopes !== undefined) {
        // A shared selection: catalogue ids ticked, other well-formed ids in "Other scopes".
        const { known, custom } = sortIds(catalogue, query.scopes)
        const typos = typosOf(catalogue, custom)
        return renderHome(
          reply,
          homeView(catalogue, config, {
            scopes: known,
            custom,
            typos: typos.length > 0 ? typos : undefined,
            notice: `${known.length + custom.length} scope${known.length + custom.length === 1 ? '' : 's'} selected from the link.`
          })
        )
      }
      if (query?.import !== undefined) {
        const selection = importAuthorizeUrl(catalogue, query.import)
        return renderHome(reply, homeView(catalogue, config, selection), selection.problem === undefined ? 200 : 400)
      }
      return sendPage(reply, '', defaultView)
    })

    app.get('/scopes.json', (_request, reply) =>
      reply
        .type('application/json; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send((json ??= catalogueJson(catalogue)))
    )

    app.post('/start', formRoute(config, startBody), async (request, reply) => {
      if (request.validationError !== undefined) throw unreadableForm()
      const { body } = request
      if (body.purpose !== undefined) return pageStart(body.purpose)(request, reply)
      // Static mode: the scopes are fixed at start-up, whatever the browser posts.
      const checked =
        config.mode === 'static'
          ? checkSelection(catalogue, { ticked: [], custom: config.scopes })
          : checkSelection(catalogue, {
            ticked: [body.scope ?? []].flat(),
            custom: splitScopeText(body.custom ?? '')
          })
      const account = accountChoice(body)
      const kept = keptAccount(account)
      if (!checked.ok) {
        return renderHome(
          reply,
          homeView(catalogue, config, {
            scopes: checked.scopes,
            custom: checked.custom,
            problem: checked.reason,
            account: kept
          }),
          400
        )
      }
      if ('problem' in account) {
        return renderHome(
          reply,
          homeView(catalogue, config, {
            scopes: checked.scopes,
            custom: checked.custom,
            problem: account.problem,
            account: kept
          }),
          400
        )
      }
      // A typo in "Other scopes" (or an imported URL) is caught as SCOPES and --scopes catch it,
      // with the suggestion; a scope that is genuinely new is sent when the person says so.
      if (config.mode === 'dynamic' && body.allow_unknown === undefined) {
        const typos = typosOf(catalogue, checked.custom)
        if (typos.length > 0) {
          return renderHome(
            reply,
            {
              ...homeView(catalogue, config, {
                scopes: checked.scopes,
                custom: checked.custom,
                problem: `${typos.join('; ')}. Fix it, or tick "Send them as written" under Other scopes if it is a scope Webex added recently.`,
                account: kept
              }),
              allowUnknown: false
            },
            400
          )
        }
      }
      const started = await begin(request, reply, { scopes: checked.scopes, purpose: 'tokens', account })
      if (started !== 'too_large') return started
      return renderHome(
        reply,
        homeView(catalogue, config, {
          scopes: checked.scopes,
          custom: checked.custom,
          problem: 'Too many scopes to carry through the sign-in: choose fewer.'
        }),
        400
      )
    })
  }
}
