// Start-up validation of SCOPES against the catalogue: malformed ids and likely typos (an id
// close to a catalogue id) stop start-up with the suggestion; other ids the catalogue lacks
// only warn, since Webex adds scopes before any catalogue does.
import type { Catalogue } from './index.ts'
import { isScopeId, serviceAppOnlyWarning } from './rules.ts'

function distance (a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length] as number
}

/** The catalogue id closest to a mistyped one, if any is close enough to be a likely typo. */
export function suggestScope (catalogue: Catalogue, id: string): string | undefined {
  // Case is compared loosely here: identity:scim is a typo of Identity:SCIM.
  const wanted = id
    .toLowerCase()
    .replace(/^spark_admin/, 'spark-admin')
    .replace(/^spark_compliance/, 'spark-compliance')
  let best: { id: string, d: number } | undefined
  for (const scope of catalogue.scopes) {
    const d = distance(wanted, scope.id.toLowerCase())
    if (best === undefined || d < best.d) best = { id: scope.id, d }
  }
  return best !== undefined && best.d <= Math.max(3, Math.floor(id.length / 4)) ? best.id : undefined
}

/**
 * Checks a list of scope ids against the catalogue: problems for malformed ids and likely
 * typos (unless allowUnknown), warnings for other ids the catalogue lacks. `label` names the
 * source in each line (SCOPES, --scopes).
 */
export function scopeListProblems (
  catalogue: Catalogue,
  ids: readonly string[],
  label: string,
  allowUnknown: boolean
): { problems: string[], warnings: string[] } {
  const problems: string[] = []
  const warnings: string[] = []
  for (const id of ids) {
    if (catalogue.byId.has(id)) continue
    const suggestion = suggestScope(catalogue, id)
    if (!isScopeId(id)) {
      problems.push(
        `${label}: unknown scope "${id.slice(0, 80)}"${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`
      )
    } else if (suggestion !== undefined && !allowUnknown) {
      problems.push(
        `${label}: ${id} is not in the catalogue, and looks like a typo of ${suggestion}. Fix it, or set ALLOW_UNKNOWN_SCOPES=true to send it as written`
      )
    } else {
      warnings.push(
        `${label}: ${id} is not in the catalogue; it will be sent as written${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`
      )
    }
  }
  const appOnly = ids.filter((id) => catalogue.byId.get(id)?.serviceAppOnly === true)
  if (appOnly.length > 0) warnings.push(`${label}: ${serviceAppOnlyWarning(appOnly)}`)
  return { problems, warnings }
}
