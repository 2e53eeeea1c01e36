// The rules a scope selection must obey before a flow may start (webex-oauth.md §5).
import { SCOPE_PATTERN, type Catalogue } from './index.ts'

export const MAX_SCOPES = 150
export const MAX_CUSTOM_FIELD = 2000

export type SelectionResult =
  | { ok: true, scopes: string[], custom: string[] }
  | { ok: false, reason: string, scopes: string[], custom: string[] }

/** spark:all stands for every spark:* user scope; spark:kms is the one usually asked beside it. */
export function sparkAllConflicts (scopes: readonly string[]): string[] {
  if (!scopes.includes('spark:all')) return []
  return scopes.filter((s) => s.startsWith('spark:') && s !== 'spark:all' && s !== 'spark:kms')
}

/** Splits a free-text list of scope ids on spaces and commas. */
export function splitScopeText (text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== '')
}

/**
 * Checks a selection: ticked ids must be in the catalogue, custom ids must have the scope
 * pattern, there must be at least one, and spark:all must stand alone among spark:* user
 * scopes. Duplicates are dropped, order kept.
 */
export function checkSelection (catalogue: Catalogue, input: { ticked: readonly string[], custom?: readonly string[] }): SelectionResult {
  const ticked = [...new Set(input.ticked)]
  const customAll = [...new Set(input.custom ?? [])].filter((id) => !ticked.includes(id))
  const custom = customAll.filter((id) => !catalogue.byId.has(id))
  const scopes = [...ticked, ...customAll]
  const fail = (reason: string, keep: string[] = scopes) => ({ ok: false as const, reason, scopes: keep.filter((s) => catalogue.byId.has(s)), custom: keep.filter((s) => !catalogue.byId.has(s) && SCOPE_PATTERN.test(s)) })
  if (scopes.length === 0) return fail('No scope was chosen: tick at least one scope.')
  if (scopes.length > MAX_SCOPES) return fail(`Too many scopes: at most ${MAX_SCOPES} may be requested at once.`, [])
  const unknown = ticked.filter((id) => !catalogue.byId.has(id))
  if (unknown.length > 0) {
    const shown = unknown.filter((id) => id.length <= 80 && SCOPE_PATTERN.test(id))
    return fail(`Unknown scope${unknown.length > 1 ? 's' : ''}${shown.length > 0 ? `: ${shown.join(', ')}` : ''}. Tick scopes from the catalogue, or type ids that are not in it yet into "Other scopes".`)
  }
  const malformed = custom.filter((id) => !SCOPE_PATTERN.test(id))
  if (malformed.length > 0) {
    return fail(`Not a scope id: ${malformed.slice(0, 5).map((id) => `"${id.slice(0, 60)}"`).join(', ')}. Scope ids look like family:name_read (lower case, digits, - and _).`)
  }
  const conflicts = sparkAllConflicts(scopes)
  if (conflicts.length > 0) {
    return fail(`spark:all already covers every spark:* user scope, so it cannot be combined with ${conflicts.join(', ')}. Keep spark:all (with spark:kms and any admin scopes), or drop it.`)
  }
  return { ok: true, scopes, custom }
}
