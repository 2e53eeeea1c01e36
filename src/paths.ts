// Where the package's data lives. tsc does not copy templates/ or scopes/, so both are
// resolved from the package root, which is the same from src/ (tsx) and dist/ (built).
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates')
export const SCOPES_DIR = join(PACKAGE_ROOT, 'scopes')
/** The browser script, built from src/browser by `npm run build` (scripts/build.mjs). */
export const BUILT_ASSETS_DIR = join(PACKAGE_ROOT, 'dist', 'assets')
