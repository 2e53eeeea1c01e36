// The rules a scope selection must obey before a flow may start (webex-oauth.md §5).
import { SCOPE_PATTERN, type Catalogue } from './index.ts'

export const MAX_SCOPES = 150

export type SelectionResult =
  | { ok: true, scopes: string[], custom: string[] }
  | { ok: false, reason: string, scopes: string[] }

/** spark:all stands for every spark:* user scope; spark:kms is the one usually asked beside it. */
export function sparkAllConflicts (scopes: readonly string[]): string[] {
  if (!scopes.includes('spark:all')) return []
  return scopes.filter((s) => s.startsWith('spark:') && s !== 'spark:all' && s !== 'spark:kms')
}

/**
 * Checks a selection: at least one scope, each known (or, with allowCustom, of the scope
 * pattern), and the spark:all rule. Duplicates are dropped, order kept.
 */
export function checkSelection (catalogue: Catalogue, requested: readonly string[], options: { allowCustom: boolean }): SelectionResult {
  const scopes = [...new Set(requested.map((s) => s.trim()).filter((s) => s !== ''))]
  if (scopes.length === 0) return { ok: false, reason: 'No scope was chosen: tick at least one scope.', scopes }
  if (scopes.length > MAX_SCOPES) return { ok: false, reason: `Too many scopes: at most ${MAX_SCOPES} may be requested at once.`, scopes: [] }
  const custom: string[] = []
  const unknown: string[] = []
  for (const id of scopes) {
    if (catalogue.byId.has(id)) continue
    if (options.allowCustom && SCOPE_PATTERN.test(id)) custom.push(id)
    else unknown.push(id)
  }
  if (unknown.length > 0) {
    const shown = unknown.filter((id) => id.length <= 80 && SCOPE_PATTERN.test(id))
    const what = shown.length > 0 ? `: ${shown.join(', ')}` : ''
    return { ok: false, reason: `Unknown scope${unknown.length > 1 ? 's' : ''}${what}. Only scopes from the catalogue${options.allowCustom ? ', or custom ids of the form family:name_read,' : ''} can be requested.`, scopes: scopes.filter((s) => !unknown.includes(s)) }
  }
  const conflicts = sparkAllConflicts(scopes)
  if (conflicts.length > 0) {
    return { ok: false, reason: `spark:all already covers every spark:* user scope, so it cannot be combined with ${conflicts.join(', ')}. Keep spark:all (with spark:kms and any admin scopes), or drop it.`, scopes }
  }
  return { ok: true, scopes, custom }
}
