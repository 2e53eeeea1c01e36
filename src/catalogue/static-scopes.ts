// Start-up validation of SCOPES against the catalogue: unknown ids stop start-up with a
// suggestion, pattern-valid ids the catalogue lacks only warn.
import type { Config } from '../config/index.ts'
import { ConfigError } from '../config/index.ts'
import type { Catalogue } from './index.ts'
import { isScopeId, sparkAllConflicts } from './rules.ts'

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
  const wanted = id.toLowerCase().replace(/^spark_admin/, 'spark-admin').replace(/^spark_compliance/, 'spark-compliance')
  let best: { id: string, d: number } | undefined
  for (const scope of catalogue.scopes) {
    const d = distance(wanted, scope.id)
    if (best === undefined || d < best.d) best = { id: scope.id, d }
  }
  return best !== undefined && best.d <= Math.max(3, Math.floor(id.length / 4)) ? best.id : undefined
}

/** Checks SCOPES in static mode; returns warnings, throws ConfigError for what cannot run. */
export function checkStaticScopes (catalogue: Catalogue, config: Config): string[] {
  if (config.mode !== 'static' && config.scopes.length === 0) return []
  const problems: string[] = []
  const warnings: string[] = []
  for (const id of config.scopes) {
    if (catalogue.byId.has(id)) continue
    const suggestion = suggestScope(catalogue, id)
    const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`
    if (isScopeId(id)) warnings.push(`SCOPES: ${id} is not in the catalogue; it will be sent as written${hint}`)
    else problems.push(`SCOPES: unknown scope "${id.slice(0, 80)}"${hint}`)
  }
  const conflicts = sparkAllConflicts(config.scopes)
  if (conflicts.length > 0) problems.push(`SCOPES: spark:all already covers every spark:* user scope; remove ${conflicts.join(', ')} or remove spark:all`)
  if (problems.length > 0) throw new ConfigError(problems)
  return warnings
}
