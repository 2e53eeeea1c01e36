// The second half of `npm run build` (tsc is the first): bundles the server with esbuild into
// one CommonJS file, then makes V8's code cache for it by running its start-up path once
// under exactly the Node flags `npm start` uses, since V8 rejects a cache made under others
// (see src/launch.ts).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'

await build({
  entryPoints: ['src/server.ts'],
  outfile: 'dist/server.bundle.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'bundle',
  // Loaded on the first outbound call only (src/oauth/webex-client.ts).
  external: ['undici'],
  // import.meta.url has no CommonJS equivalent; src/paths.ts needs it.
  inject: ['scripts/import-meta-url.js'],
  define: { 'import.meta.url': 'importMetaUrl' },
  logLevel: 'warning'
})

const start = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start.split(' ').filter((word) => word !== '')
const flags = start.slice(1, -1)
const run = spawnSync(process.execPath, [...flags, 'dist/launch.js', '--write-code-cache'], { stdio: 'inherit' })
if (run.status !== 0) {
  process.stderr.write('making the code cache failed\n')
  process.exit(1)
}
