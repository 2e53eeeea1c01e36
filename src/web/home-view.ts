// The scope page's view model: the catalogue as rows and families for the template, a selection
// (ticked, typed, imported from an authorize URL or a shared ?scopes= link, with typos pointed
// out), and the catalogue as JSON for the page's script. Pure functions of the catalogue and the
// configuration, unit-tested without a server.
import { FAMILIES, RISKS, ROLES, SCOPE_PATTERN, type Catalogue, type Scope } from '../catalogue/index.ts'
import { splitScopeText } from '../catalogue/rules.ts'
import { suggestScope } from '../catalogue/static-scopes.ts'
import type { Config } from '../config/index.ts'

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
export function typosOf (catalogue: Catalogue, custom: readonly string[]): string[] {
  return custom.flatMap((id) => {
    const near = suggestScope(catalogue, id)
    return near === undefined ? [] : [`${id} is not in the catalogue, and looks like a typo of ${near}`]
  })
}

/** Scope ids from a link or a pasted URL, sorted: catalogue ids, pattern-valid others, and the rest. */
export function sortIds (catalogue: Catalogue, text: string): { known: string[], custom: string[], unknown: string[] } {
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
