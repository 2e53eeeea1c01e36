// The rules a scope selection must obey before a flow may start (docs/webex-contract.md,
// "Scopes"). Pure functions with no Node imports: the server, the CLI, the emulator and the
// browser script (src/browser) all use this one module, so it imports nothing.

/**
 * Shape of a Webex scope id: `family:name`, or a bare OpenID word. Ids are case-sensitive
 * and some carry capitals (`Identity:SCIM`), so the pattern keeps case as written.
 */
export const SCOPE_PATTERN = /^(?:[A-Za-z][A-Za-z0-9-]*:[A-Za-z0-9_]+|openid|email|profile|phone|address)$/

/** The OpenID Connect scopes: any of them makes a flow an OpenID sign-in, with a nonce. */
export const OPENID_SCOPES: readonly string[] = ['openid', 'email', 'profile', 'phone', 'address']

export function isOpenIdScope (id: string): boolean {
  return OPENID_SCOPES.includes(id)
}

export const MAX_SCOPES = 150
export const MAX_CUSTOM_FIELD = 2000

export function isScopeId (id: string): boolean {
  return SCOPE_PATTERN.test(id)
}

export { splitScopeText } from '../scope-text.ts'

/** Whether spark:all covers a scope: the catalogue's `inSparkAll` mark. */
export type CoveredBySparkAll = (id: string) => boolean

/**
 * The scopes that may not stand beside spark:all: those it already covers (marked in the
 * catalogue). Scopes it does not aggregate, such as spark:kms, spark:xapi_commands or admin
 * scopes, may join it, as real authorize URLs do (docs/webex-contract.md, "Scopes").
 */
export function sparkAllConflicts (scopes: readonly string[], covered: CoveredBySparkAll): string[] {
  if (!scopes.includes('spark:all')) return []
  return scopes.filter((s) => s !== 'spark:all' && covered(s))
}

/** The sentence that explains a spark:all conflict, wherever it is found. */
export function sparkAllProblem (conflicts: readonly string[]): string {
  return `spark:all already covers ${conflicts.join(', ')}, so ${conflicts.length > 1 ? 'they' : 'it'} cannot be requested beside it. Keep spark:all (scopes it does not cover, such as spark:kms, spark:xapi_commands and admin scopes, may join it), or drop spark:all and keep the narrower scopes.`
}

export type SelectionResult =
  { ok: true, scopes: string[], custom: string[] } | { ok: false, reason: string, scopes: string[], custom: string[] }

/**
 * Checks a selection: ticked ids must be in the catalogue, custom ids must have the scope
 * pattern, there must be at least one, and spark:all must stand alone among spark:* user
 * scopes. Duplicates are dropped, order kept.
 */
export function checkSelection (
  catalogue: { byId: ReadonlyMap<string, { inSparkAll?: boolean }> },
  input: { ticked: readonly string[], custom?: readonly string[] }
): SelectionResult {
  const ticked = [...new Set(input.ticked)]
  const customAll = [...new Set(input.custom ?? [])].filter((id) => !ticked.includes(id))
  const custom = customAll.filter((id) => !catalogue.byId.has(id))
  const scopes = [...ticked, ...customAll]
  const fail = (reason: string, keep: string[] = scopes) => ({
    ok: false as const,
    reason,
    scopes: keep.filter((s) => catalogue.byId.has(s)),
    custom: keep.filter((s) => !catalogue.byId.has(s) && isScopeId(s))
  })
  if (scopes.length === 0) return fail('No scope was chosen: tick at least one scope.')
  if (scopes.length > MAX_SCOPES) return fail(`Too many scopes: at most ${MAX_SCOPES} may be requested at once.`, [])
  const unknown = ticked.filter((id) => !catalogue.byId.has(id))
  if (unknown.length > 0) {
    const shown = unknown.filter((id) => id.length <= 80 && isScopeId(id))
    return fail(
      `Unknown scope${unknown.length > 1 ? 's' : ''}${shown.length > 0 ? `: ${shown.join(', ')}` : ''}. Tick scopes from the catalogue, or type ids that are not in it yet into "Other scopes".`
    )
  }
  const malformed = custom.filter((id) => !isScopeId(id))
  if (malformed.length > 0) {
    return fail(
      `Not a scope id: ${malformed
        .slice(0, 5)
        .map((id) => `"${id.slice(0, 60)}"`)
        .join(', ')}. Scope ids look like family:name_read (letters, digits, - and _, case as Webex writes it).`
    )
  }
  const conflicts = sparkAllConflicts(scopes, (id) => catalogue.byId.get(id)?.inSparkAll === true)
  if (conflicts.length > 0) return fail(sparkAllProblem(conflicts))
  return { ok: true, scopes, custom }
}

/** One ticked scope as the summary sees it. */
export interface TickedScope {
  id: string
  role: string
  write: boolean
  inSparkAll?: boolean
  deprecated?: string
  serviceAppOnly?: boolean
}

export interface SelectionWarning {
  level: 'error' | 'warn' | 'info'
  text: string
}

const ADMIN_ROLES = new Set([
  'admin',
  'full_admin',
  'user_admin',
  'partner_admin',
  'calling_cdr_admin',
  'pro_pack_admin'
])

/** The role group a scope's role falls in, for "this selection needs several roles". */
function roleGroup (role: string): string | undefined {
  if (ADMIN_ROLES.has(role)) return 'an admin role'
  if (role === 'compliance_officer') return 'the Compliance Officer role'
  if (role === 'meeting_admin') return 'the meeting admin role'
  if (role === 'contact_center') return 'a Contact Center role'
  return undefined
}

/**
 * What a selection needs and risks, for the live summary beside the scope page: the same
 * spark:all rule and id pattern that checkSelection applies, and advice it does not enforce.
 */
export function selectionWarnings (ticked: readonly TickedScope[], custom: readonly string[]): SelectionWarning[] {
  const wellFormed = custom.filter(isScopeId)
  const warnings: SelectionWarning[] = []
  const covered = new Set(ticked.filter((s) => s.inSparkAll === true).map((s) => s.id))
  const conflicts = sparkAllConflicts([...ticked.map((s) => s.id), ...wellFormed], (id) => covered.has(id))
  if (conflicts.length > 0) warnings.push({ level: 'error', text: sparkAllProblem(conflicts) })
  for (const s of ticked) {
    if (s.deprecated !== undefined) warnings.push({ level: 'warn', text: `${s.id} is deprecated. ${s.deprecated}` })
  }
  const appOnly = ticked.filter((s) => s.serviceAppOnly === true).map((s) => s.id)
  if (appOnly.length > 0) warnings.push({ level: 'warn', text: serviceAppOnlyWarning(appOnly) })
  const openId = [...ticked.map((s) => s.id), ...wellFormed].filter(isOpenIdScope)
  if (openId.length > 0) {
    warnings.push({
      level: 'info',
      text: `OpenID scopes (${openId.join(', ')}): the answer carries an id_token, which this app verifies and shows.`
    })
  }
  const groups = new Set(ticked.map((s) => roleGroup(s.role)).filter((g) => g !== undefined))
  if (groups.size > 1) {
    warnings.push({
      level: 'warn',
      text: `This selection needs several roles: ${[...groups].join(' and ')}. The user who signs in must hold all of them.`
    })
  }
  const writes = ticked.filter((s) => s.write).map((s) => s.id)
  if (writes.length > 0) {
    warnings.push({
      level: 'warn',
      text: `${writes.length} write scope${writes.length > 1 ? 's' : ''} (${writes.join(', ')}): the token can change things, not only read them.`
    })
  }
  const bad = custom.filter((c) => !isScopeId(c))
  if (bad.length > 0) warnings.push({ level: 'error', text: `Not a scope id: ${bad.join(', ')}` })
  if (wellFormed.length > 0) warnings.push({ level: 'info', text: `Not in catalogue: ${wellFormed.join(', ')}` })
  return warnings
}

/**
 * The words for scopes Webex documents for Service App tokens only, requested in a person's sign-in
 * (the page, the CLI).
 */
export function serviceAppOnlyWarning (ids: readonly string[]): string {
  return `${ids.join(', ')} ${ids.length > 1 ? 'are' : 'is'} documented for Service App tokens only: a person's sign-in may be refused (invalid_scope), or give a token the APIs refuse. Use the Service App page or \`service-app token\` instead.`
}

/** "3 scopes selected." and the exact string sent to Webex, for the live summary. */
export function selectionSummary (ids: readonly string[]): { size: number, count: string, scopeString: string } {
  const unique = [...new Set(ids)]
  return {
    size: unique.length,
    count:
      unique.length === 0
        ? 'No scope selected yet.'
        : `${unique.length} scope${unique.length > 1 ? 's' : ''} selected.`,
    scopeString: unique.join(' ')
  }
}

/** The phone's one-line bar over the selection: how many scopes, and what waits in the panel. */
export function selectionBar (count: number, warnings: ReadonlyArray<{ level: string }>): string {
  const scopes = count === 0 ? 'No scope selected' : `${count} scope${count === 1 ? '' : 's'}`
  const problems = warnings.filter((w) => w.level === 'error').length
  const cautions = warnings.filter((w) => w.level === 'warn').length
  if (problems > 0) return `${scopes} · ${problems} problem${problems === 1 ? '' : 's'}`
  if (cautions > 0) return `${scopes} · ${cautions} warning${cautions === 1 ? '' : 's'}`
  return scopes
}

/** Whether a scope row's text matches every word typed into the search field. */
export function matchesSearch (text: string, query: string): boolean {
  return matchesWords(text.toLowerCase(), searchWords(query))
}

/** The lower-case words of a search, split once per keystroke rather than once per row. */
export function searchWords (query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')
}

/** Whether a lower-case text holds every one of the words. */
export function matchesWords (lowerText: string, words: readonly string[]): boolean {
  return words.every((w) => lowerText.includes(w))
}
