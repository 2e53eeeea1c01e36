// Start-up's check of SCOPES against the catalogue: where configuration and the catalogue meet,
// so that neither imports the other.
import type { Catalogue } from './catalogue/index.ts'
import { sparkAllConflicts, sparkAllProblem } from './catalogue/rules.ts'
import { scopeListProblems } from './catalogue/static-scopes.ts'
import { ConfigError, type Config } from './config/index.ts'

/** Checks SCOPES in static mode; returns warnings, throws ConfigError for what cannot run. */
export function checkStaticScopes (catalogue: Catalogue, config: Config): string[] {
  if (config.mode !== 'static' && config.scopes.length === 0) return []
  const { problems, warnings } = scopeListProblems(catalogue, config.scopes, 'SCOPES', config.allowUnknownScopes)
  const conflicts = sparkAllConflicts(config.scopes, (id) => catalogue.byId.get(id)?.inSparkAll === true)
  if (conflicts.length > 0) problems.push(`SCOPES: ${sparkAllProblem(conflicts)}`)
  if (problems.length > 0) throw new ConfigError(problems)
  return warnings
}
