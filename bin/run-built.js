// Runs an entry point of dist/ (what `npm run build` makes from src/; `npm ci` builds too).
// In a clone, it first checks that the build is not older than src/, so nobody runs stale
// code by mistake; an installed package ships dist/ without src/ and skips the check.
import { existsSync, readdirSync, statSync } from 'node:fs'
import module from 'node:module'
import { requireSupportedNode } from './node-version.js'

const ROOT = new URL('../', import.meta.url)

function newestSource (dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs)
  }
  return newest
}

/** Exits with one line when dist/ is missing or stale; otherwise imports the entry point. */
export async function runBuilt (entry) {
  requireSupportedNode()
  const built = [new URL(`dist/${entry}`, ROOT), new URL('dist/assets/app.js', ROOT)]
  if (!built.every((file) => existsSync(file))) {
    process.stderr.write('webex-token-issuer is not built: run `npm run build` first (npm ci builds it too).\n')
    process.exit(1)
  }
  const src = new URL('src/', ROOT)
  if (existsSync(src) && newestSource(src) > Math.min(...built.map((file) => statSync(file).mtimeMs))) {
    process.stderr.write(
      'webex-token-issuer: dist/ is older than src/: run `npm run build` first (or `npm run dev` to run src/ directly).\n'
    )
    process.exit(1)
  }
  // Stack traces name src/ files: the maps of our own code only (Node 22.14+; before, every
  // module's, node_modules' too, which costs start-up some 10 ms). Node keeps compiled code
  // between runs.
  if (module.setSourceMapsSupport !== undefined) module.setSourceMapsSupport(true)
  else process.setSourceMapsEnabled(true)
  module.enableCompileCache()
  await import(new URL(`dist/${entry}`, ROOT).href)
}
