// Runs one of the CommonJS bundles that scripts/bundle.mjs makes (the server's, the CLI's)
// with the V8 code cache the build saved beside it. The cache skips parsing and compiling
// ~2 MB of JavaScript, about a third of start-up. V8 checks the cache itself: another Node
// version or other V8 flags than the build's make it reject the cache, and the code is
// compiled as usual. This is Node 22's module.enableCompileCache made at build time:
// nothing is written at run time.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'

export const DIST_DIR = dirname(fileURLToPath(import.meta.url))

export interface LoadedBundle<T> {
  exports: T
  /** Saves the code compiled so far (run the start-up path first) as the bundle's cache. */
  writeCache: () => void
}

export function loadBundle<T> (name: string): LoadedBundle<T> {
  const file = join(DIST_DIR, name)
  const cacheFile = `${file}.cache`
  if (!existsSync(file)) {
    process.stderr.write(`error: dist/${name} is missing: run \`npm run build\` first\n`)
    process.exit(1)
  }
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined
  // The same wrapper Node puts around a CommonJS module.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData })
  const module = { exports: {} as T }
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void
  run(module.exports as object, createRequire(file), module, file, DIST_DIR)
  // What V8 did with the cache, for whoever debugs a slow start.
  const cache = cachedData === undefined ? 'absent' : script.cachedDataRejected === true ? 'rejected' : 'used'
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') process.stderr.write(`debug: code cache ${cache}\n`)
  return {
    exports: module.exports,
    writeCache: () => writeFileSync(cacheFile, script.createCachedData())
  }
}
