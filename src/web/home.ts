// GET / (the scope page, with presets and authorize-URL import), GET /scopes.json, and
// POST /start (check the selection, then begin the sign-in: sign-in.ts).
import type { FastifyInstance, FastifyReply } from 'fastify'
import * as z from 'zod'
import { FAMILIES, RISKS, ROLES, SCOPE_PATTERN, type Catalogue, type Scope } from '../catalogue/index.ts'
import { checkSelection, MAX_CUSTOM_FIELD, splitScopeText } from '../catalogue/rules.ts'
import { suggestScope } from '../catalogue/static-scopes.ts'
import type { Config } from '../config/index.ts'
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

export interface ScopeRowView {
  id: string
  domId: string
  description: string
  access: string
  write: boolean
  role: string
  roleId: string
  risks: string[]
  notes?: string
  deprecated?: string
  inSparkAll?: boolean
  serviceAppOnly?: boolean
  source?: string
  checked: boolean
}

function scopeRow (scope: Scope, selected: ReadonlySet<string>): ScopeRowView {
  return {
    id: scope.id,
    // Case is kept: Identity:one_time_password and identity:one_time_password are two scopes.
    domId: `scope-${scope.id.replace(':', '--')}`,
    description: scope.description,
    access: scope.access === 'write' ? 'Write' : 'Read',
    write: scope.access === 'write',
    role: ROLES[scope.role],
    roleId: scope.role,
    risks: scope.risk.map((r) => RISKS[r]),
    notes: scope.notes,
    deprecated: scope.deprecated,
    inSparkAll: scope.inSparkAll,
    serviceAppOnly: scope.serviceAppOnly,
    source: scope.source,
    checked: selected.has(scope.id)
  }
}

interface Selection {
  scopes: readonly string[]
  custom?: readonly string[]
  problem?: string
  notice?: string
  unknown?: readonly string[]
  typos?: readonly string[]
  account?: { noSelect?: boolean, loginHint?: string }
}

/** The scope page's view model for a given selection. Built at start-up for the default and each preset. */
export function homeView (catalogue: Catalogue, config: Config, selection: Selection) {
  const set = new Set(selection.scopes)
  const staticMode = config.mode === 'static'
  return {
    staticMode,
    fixedCount: `${config.scopes.length} fixed scope${config.scopes.length === 1 ? '' : 's'}`,
    fixed: staticMode
      ? config.scopes.map((id) => {
        const scope = catalogue.byId.get(id)
        return scope === undefined
          ? {
              id,
              domId: '',
              description: 'Not in the catalogue: sent to Webex as written.',
              access: 'Unknown access',
              write: false,
              role: 'Unknown',
              roleId: 'unknown',
              risks: ['Not in catalogue'],
              checked: true
            }
          : scopeRow(scope, set)
      })
      : undefined,
    families: staticMode
      ? []
      : catalogue.families.map((f) => ({
        id: f.id,
        title: f.title,
        blurb: f.blurb,
        scopes: f.scopes.map((s) => scopeRow(s, set))
      })),
    presets: staticMode
      ? []
      : catalogue.presets.map((p) => ({ id: p.id, name: p.name, purpose: p.purpose, scopes: p.scopes.join(' ') })),
    custom: (selection.custom ?? []).join(' '),
    // A page that arrives with a selection (a preset, a link, the way back) opens on it, not on the presets.
    hasSelection: selection.scopes.length > 0 || (selection.custom ?? []).length > 0,
    problem: selection.problem,
    notice: selection.notice,
    unknown: selection.unknown,
    typos: selection.typos,
    account: selection.account,
    redirectUri: config.redirectUri,
    clientId: config.clientId,
    scopeCount: catalogue.scopes.length
  }
}

/** The ids not in the catalogue that look like a typo of one in it, each with the suggestion. */
function typosOf (catalogue: Catalogue, custom: readonly string[]): string[] {
  return custom.flatMap((id) => {
    const near = suggestScope(catalogue, id)
    return near === undefined ? [] : [`${id} is not in the catalogue, and looks like a typo of ${near}`]
  })
}

/** Scope ids from a link or a pasted URL, sorted: catalogue ids, pattern-valid others, and the rest. */
function sortIds (catalogue: Catalogue, text: string): { known: string[], custom: string[], unknown: string[] } {
  const ids = [...new Set(splitScopeText(text))].slice(0, 200)
  return {
    known: ids.filter((id) => catalogue.byId.has(id)),
    custom: ids.filter((id) => !catalogue.byId.has(id) && SCOPE_PATTERN.test(id)),
    unknown: ids.filter((id) => !catalogue.byId.has(id) && !SCOPE_PATTERN.test(id))
  }
}

/** Scopes from an authorize URL pasted from the developer portal: known ones, pattern-valid others, and the rest. */
export function importAuthorizeUrl (catalogue: Catalogue, text: string): Selection {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    return {
      scopes: [],
      problem: "That is not a URL. Paste the whole authorize URL from your integration's page on the developer portal."
    }
  }
  const scope = url.searchParams.get('scope')
  if (scope === null || scope.trim() === '') return { scopes: [], problem: 'That URL has no scope parameter.' }
  const sorted = sortIds(catalogue, scope)
  const { known, custom } = sorted
  const unknown = sorted.unknown.map((id) => id.slice(0, 80))
  const notice =
    `Imported ${known.length} scope${known.length === 1 ? '' : 's'} from the URL.` +
    (custom.length > 0 ? ` Not in the catalogue, added to "Other scopes": ${custom.join(', ')}.` : '')
  const typos = typosOf(catalogue, custom)
  return {
    scopes: known,
    custom,
    notice,
    unknown: unknown.length > 0 ? unknown : undefined,
    typos: typos.length > 0 ? typos : undefined
  }
}

/** The catalogue and presets for scripts, prepared once. */
export function catalogueJson (catalogue: Catalogue): string {
  return JSON.stringify({
    families: Object.entries(FAMILIES).map(([id, f]) => ({ id, title: f.title, description: f.blurb })),
    roles: ROLES,
    risks: RISKS,
    scopes: catalogue.scopes,
    presets: catalogue.presets
  })
}

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
