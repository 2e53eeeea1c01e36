// `npm run build`: a clean dist/, the server and CLI compiled by tsc (with source maps), and
// the browser script (src/browser and the shared rules it imports) bundled by esbuild into
// dist/assets/app.js. Types are checked by `npm run typecheck` (part of `npm test`), not here:
// emitting without checking halves the build.
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'

export async function buildBrowser () {
  await build({
    entryPoints: ['src/browser/main.ts'],
    outfile: 'dist/assets/app.js',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning'
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  rmSync('dist', { recursive: true, force: true })
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--noCheck'], { stdio: 'inherit' })
  await buildBrowser()
}
