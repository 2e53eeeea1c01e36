// Injected by esbuild into the CommonJS bundles, where it stands in for import.meta.url
// (src/paths.ts finds templates/ and scopes/ from it).
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href
