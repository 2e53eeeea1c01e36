// The rules a scope selection must obey before a flow may start (docs/webex-contract.md,
// "Scopes"). Pure functions with no Node imports: the server, the CLI, the emulator and the
// browser script (src/browser) all use this one module, so it imports nothing.

/** Shape of a Webex scope id: `family:name`, or a bare OpenID word. */
export const SCOPE_PATTERN = /^(?:[a-z][a-z0-9-]*:[a-z0-9_]+|openid|email|profile)$/

export const MAX_SCOPES = 150
export const MAX_CUSTOM_FIELD = 2000

export function isScopeId (id: string): boolean {
  return SCOPE_PATTERN.test(id)
}

/** Splits a free-text list of scope ids on spaces and commas, dropping duplicates, order kept. */
export function splitScopeText (text: string | undefined): string[] {
  if (text === undefined) return []
  return [...new Set(text.split(/[\s,]+/).filter((s) => s !== ''))]
}

/** spark:all stands for every spark:* user scope; spark:kms is the one usually asked beside it. */
export function sparkAllConflicts (scopes: readonly string[]): string[] {
  if (!scopes.includes('spark:all')) return []
  return scopes.filter((s) => s.startsWith('spark:') && s !== 'spark:all' && s !== 'spark:kms')
}

/** The sentence that explains a spark:all conflict, wherever it is found. */
export function sparkAllProblem (conflicts: readonly string[]): string {
  return `spark:all already covers every spark:* user scope, so it cannot be combined with ${conflicts.join(', ')}. Keep spark:all (with spark:kms and any admin scopes), or drop it.`
}

export type SelectionResult =
  | { ok: true, scopes: string[], custom: string[] }
  | { ok: false, reason: string, scopes: string[], custom: string[] }

/**
 * Checks a selection: ticked ids must be in the catalogue, custom ids must have the scope
 * pattern, there must be at least one, and spark:all must stand alone among spark:* user
 * scopes. Duplicates are dropped, order kept.
 */
export function checkSelection (catalogue: { byId: ReadonlyMap<string, unknown> }, input: { ticked: readonly string[], custom?: readonly string[] }): SelectionResult {
  const ticked = [...new Set(input.ticked)]
  const customAll = [...new Set(input.custom ?? [])].filter((id) => !ticked.includes(id))
  const custom = customAll.filter((id) => !catalogue.byId.has(id))
  const scopes = [...ticked, ...customAll]
  const fail = (reason: string, keep: string[] = scopes) => ({ ok: false as const, reason, scopes: keep.filter((s) => catalogue.byId.has(s)), custom: keep.filter((s) => !catalogue.byId.has(s) && isScopeId(s)) })
  if (scopes.length === 0) return fail('No scope was chosen: tick at least one scope.')
  if (scopes.length > MAX_SCOPES) return fail(`Too many scopes: at most ${MAX_SCOPES} may be requested at once.`, [])
  const unknown = ticked.filter((id) => !catalogue.byId.has(id))
  if (unknown.length > 0) {
    const shown = unknown.filter((id) => id.length <= 80 && isScopeId(id))
    return fail(`Unknown scope${unknown.length > 1 ? 's' : ''}${shown.length > 0 ? `: ${shown.join(', ')}` : ''}. Tick scopes from the catalogue, or type ids that are not in it yet into "Other scopes".`)
  }
  const malformed = custom.filter((id) => !isScopeId(id))
  if (malformed.length > 0) {
    return fail(`Not a scope id: ${malformed.slice(0, 5).map((id) => `"${id.slice(0, 60)}"`).join(', ')}. Scope ids look like family:name_read (lower case, digits, - and _).`)
  }
  const conflicts = sparkAllConflicts(scopes)
  if (conflicts.length > 0) return fail(sparkAllProblem(conflicts))
  return { ok: true, scopes, custom }
}

/** One ticked scope as the summary sees it. */
export interface TickedScope { id: string, role: string, write: boolean }

export interface SelectionWarning { level: 'error' | 'warn' | 'info', text: string }

const ADMIN_ROLES = new Set(['admin', 'full_admin', 'partner_admin', 'calling_cdr_admin', 'pro_pack_admin'])

/** The role group a scope's role falls in, for "this selection needs several roles". */
function roleGroup (role: string): string | undefined {
  if (ADMIN_ROLES.has(role)) return 'an admin role'
  if (role === 'compliance_officer') return 'the Compliance Officer role'
  if (role === 'meeting_admin') return 'the meeting admin role'
  return undefined
}

/**
 * What a selection needs and risks, for the live summary beside the scope page: the same
 * spark:all rule and id pattern that checkSelection applies, and advice it does not enforce.
 */
export function selectionWarnings (ticked: readonly TickedScope[], custom: readonly string[]): SelectionWarning[] {
  const wellFormed = custom.filter(isScopeId)
  const warnings: SelectionWarning[] = []
  const conflicts = sparkAllConflicts([...ticked.map((s) => s.id), ...wellFormed])
  if (conflicts.length > 0) warnings.push({ level: 'error', text: sparkAllProblem(conflicts) })
  const groups = new Set(ticked.map((s) => roleGroup(s.role)).filter((g) => g !== undefined))
  if (groups.size > 1) warnings.push({ level: 'warn', text: `This selection needs several roles: ${[...groups].join(' and ')}. The user who signs in must hold all of them.` })
  const writes = ticked.filter((s) => s.write).map((s) => s.id)
  if (writes.length > 0) warnings.push({ level: 'warn', text: `${writes.length} write scope${writes.length > 1 ? 's' : ''} (${writes.join(', ')}): the token can change things, not only read them.` })
  const bad = custom.filter((c) => !isScopeId(c))
  if (bad.length > 0) warnings.push({ level: 'error', text: `Not a scope id: ${bad.join(', ')}` })
  if (wellFormed.length > 0) warnings.push({ level: 'info', text: `Not in catalogue: ${wellFormed.join(', ')}` })
  return warnings
}

/** "3 scopes selected." and the exact string sent to Webex, for the live summary. */
export function selectionSummary (ids: readonly string[]): { count: string, scopeString: string } {
  const unique = [...new Set(ids)]
  return {
    count: unique.length === 0 ? 'No scope selected yet.' : `${unique.length} scope${unique.length > 1 ? 's' : ''} selected.`,
    scopeString: unique.join(' ')
  }
}

/** Whether a scope row's text matches every word typed into the search field. */
export function matchesSearch (text: string, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '')
  const haystack = text.toLowerCase()
  return words.every((w) => haystack.includes(w))
}
