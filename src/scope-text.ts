// How a list of scope ids is written by hand (SCOPES, --scopes, a form, a link): one rule for
// configuration, the catalogue, the pages and the browser script, with no imports of its own.

/** Splits a free-text list of scope ids on spaces and commas, dropping duplicates, order kept. */
export function splitScopeText (text: string | undefined): string[] {
  if (text === undefined) return []
  return [...new Set(text.split(/[\s,]+/).filter((s) => s !== ''))]
}
