// GET / (the scope page) and POST /start (validate the selection, set the flow cookie,
// send the browser to Webex's authorize endpoint).
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { RISKS, ROLES, type Catalogue, type Scope } from '../catalogue/index.ts'
import { checkSelection } from '../catalogue/rules.ts'
import type { Config } from '../config/index.ts'
import { AppError } from '../oauth/errors.ts'
import { authorizeUrl, createFlow, encodeFlow, flowCookieName, FLOW_COOKIE_PREFIX, FLOW_TTL_MS, MAX_FLOW_COOKIE_BYTES, pkceChallenge } from '../oauth/flow.ts'
import type { WebContext } from './context.ts'
import { pageRenderer } from './render.ts'

/** A browser keeps at most this many flows in progress; older ones are dropped. */
const MAX_OPEN_FLOWS = 5

export interface ScopeRowView {
  id: string
  domId: string
  description: string
  access: string
  write: boolean
  role: string
  risks: string[]
  notes?: string
  checked: boolean
}

function scopeRow (scope: Scope, selected: ReadonlySet<string>): ScopeRowView {
  return {
    id: scope.id,
    domId: `scope-${scope.id.replace(/[^a-z0-9]/g, '-')}`,
    description: scope.description,
    access: scope.access === 'write' ? 'Write' : 'Read',
    write: scope.access === 'write',
    role: ROLES[scope.role],
    risks: scope.risk.map((r) => RISKS[r]),
    notes: scope.notes,
    checked: selected.has(scope.id)
  }
}

/** The catalogue page's view model for a given selection. Built once at start-up for the default one. */
export function homeView (catalogue: Catalogue, config: Config, selected: readonly string[]) {
  const set = new Set(selected)
  const fixed = config.mode === 'static'
    ? config.scopes.map((id) => {
      const scope = catalogue.byId.get(id)
      return scope === undefined
        ? { id, domId: '', description: 'Not in the catalogue: sent to Webex as written.', access: '?', write: false, role: 'Unknown', risks: [], checked: true }
        : scopeRow(scope, set)
    })
    : undefined
  return {
    staticMode: config.mode === 'static',
    fixed,
    families: fixed === undefined
      ? catalogue.families.map((f) => ({ id: f.id, title: f.title, blurb: f.blurb, scopes: f.scopes.map((s) => scopeRow(s, set)) }))
      : [],
    redirectUri: config.redirectUri,
    clientId: config.clientId,
    scopeCount: catalogue.scopes.length
  }
}

const startBody = z.object({
  scope: z.union([z.string(), z.array(z.string()).max(500)]).optional()
}).loose()

export function homeRoutes (ctx: WebContext) {
  const { config, catalogue } = ctx
  const render = pageRenderer(config)
  const defaultView = homeView(catalogue, config, config.scopes)
  const title = config.mode === 'static' ? 'Get a Webex token' : 'Choose Webex scopes'

  function renderHome (reply: FastifyReply, view: object, status = 200) {
    return render(reply, 'pages/home', title, view, { status })
  }

  return async function home (app: FastifyInstance): Promise<void> {
    app.get('/', (_request, reply) => renderHome(reply, defaultView))

    app.post('/start', async (request, reply) => {
      const body = startBody.safeParse(request.body ?? {})
      if (!body.success) throw new AppError('bad_request', { reason: 'The form could not be read: too many or malformed fields.' })
      // Static mode: the scopes are fixed at start-up, whatever the browser posts.
      const posted = config.mode === 'static' ? [...config.scopes] : [body.data.scope ?? []].flat()
      const checked = checkSelection(catalogue, posted, { allowCustom: config.mode === 'static' })
      if (!checked.ok) {
        return renderHome(reply, { ...homeView(catalogue, config, checked.scopes), problem: checked.reason }, 400)
      }
      const flow = createFlow(checked.scopes, ctx.now())
      const value = encodeFlow(flow)
      if (value.length > MAX_FLOW_COOKIE_BYTES) {
        return renderHome(reply, { ...homeView(catalogue, config, checked.scopes), problem: 'Too many scopes to carry through the sign-in: choose fewer.' }, 400)
      }
      // Keep the browser's cookie header small: drop the oldest unfinished flows.
      const open = Object.keys(request.cookies).filter((name) => name.startsWith(FLOW_COOKIE_PREFIX))
      for (const name of open.slice(0, Math.max(0, open.length - MAX_OPEN_FLOWS + 1))) {
        reply.clearCookie(name, { path: config.callbackPath })
      }
      reply.setCookie(flowCookieName(flow.state), value, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: config.secure,
        path: config.callbackPath,
        maxAge: FLOW_TTL_MS / 1000
      })
      const location = authorizeUrl(config.webexBaseUrl, {
        clientId: config.clientId,
        redirectUri: config.redirectUri,
        scopes: checked.scopes,
        state: flow.state,
        challenge: pkceChallenge(flow.verifier)
      })
      return reply.code(303).header('cache-control', 'no-store').redirect(location, 303)
    })
  }
}
