// Links into the scope page that carry a selection (GET /?scopes=…): shared from the summary,
// and the way back from a refused sign-in.

/** The scope page with these scopes chosen; the browser builds the same link (src/browser). */
export function selectionLink (scopes: readonly string[]): string {
  return `/?scopes=${encodeURIComponent(scopes.join(' '))}`
}
