// The second half of `npm run build` (tsc is the first): bundles the server and the CLI with
// esbuild, each into one CommonJS file, then makes V8's code cache for each by running its
// start-up path once under exactly the Node flags it runs with, since V8 rejects a cache
// made under others (see src/bundle.ts).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'bundle',
  // import.meta.url has no CommonJS equivalent; src/paths.ts needs it.
  inject: ['scripts/import-meta-url.js'],
  define: { 'import.meta.url': 'importMetaUrl' },
  logLevel: 'warning'
}
await build({ ...common, entryPoints: ['src/server.ts'], outfile: 'dist/server.bundle.cjs' })
await build({ ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.bundle.cjs' })

/** Runs `node [flags] <launcher> --write-code-cache`; the flags must be the ones it runs with. */
function writeCodeCache (flags, launcher) {
  const run = spawnSync(process.execPath, [...flags, launcher, '--write-code-cache'], { stdio: 'inherit' })
  if (run.status !== 0) {
    process.stderr.write(`making the code cache for ${launcher} failed\n`)
    process.exit(1)
  }
}

const start = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start.split(' ').filter((word) => word !== '')
writeCodeCache(start.slice(1, -1), 'dist/launch.js')
// The installed command runs plain `node` (bin/webex-token-issuer.js's shebang).
writeCodeCache([], 'dist/cli/launch.js')
