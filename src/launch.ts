// What `npm start` and the Procfile run. The server is bundled by esbuild into one CommonJS
// file (dist/server.bundle.cjs); the build then runs it once (`--write-code-cache`, see
// warmUp in server.ts) and saves V8's compiled code for it beside it. Starting with that
// cache skips parsing and compiling ~2 MB of JavaScript, about a quarter of start-up.
// V8 checks the cache itself: another Node version or other V8 flags than the build's
// (`--max-old-space-size=96`) make it reject the cache, and the server starts without it.
// This is Node 22's module.enableCompileCache, made at build time: nothing is written at run time.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'

type Bundle = typeof import('./server.ts')

const BUNDLE = fileURLToPath(new URL('server.bundle.cjs', import.meta.url))
const CACHE = `${BUNDLE}.cache`

function load (): { bundle: Bundle, script: vm.Script, cache: 'used' | 'rejected' | 'absent' } {
  if (!existsSync(BUNDLE)) {
    process.stderr.write('error: dist/server.bundle.cjs is missing: run `npm run build` first\n')
    process.exit(1)
  }
  const cachedData = existsSync(CACHE) ? readFileSync(CACHE) : undefined
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(BUNDLE, 'utf8')}\n})`, {
    filename: BUNDLE,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER
  })
  const module = { exports: {} as Bundle }
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void
  run(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE))
  return { bundle: module.exports, script, cache: cachedData === undefined ? 'absent' : script.cachedDataRejected === true ? 'rejected' : 'used' }
}

const { bundle, script, cache } = load()
if (process.argv.includes('--write-code-cache')) {
  await bundle.warmUp()
  writeFileSync(CACHE, script.createCachedData())
} else {
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') process.stderr.write(`debug: code cache ${cache}\n`)
  await bundle.serve(process.env, process.argv.includes('--static') ? { mode: 'static' } : {})
}
