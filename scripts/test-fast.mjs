// `npm run test:fast`: the inner loop. Every test file but the slow ones (the browser, the
// built package, the benchmark smoke run, the load and fuzz runs, cron against the installed
// command), with no lint, type check or build first. `npm test` stays the whole suite.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const SLOW = new Set(['bench.test.ts', 'build.test.ts', 'cron.test.ts', 'fuzz.test.ts', 'load.test.ts'])
const files = readdirSync(new URL('../test/', import.meta.url))
  .filter((f) => f.endsWith('.test.ts') && !SLOW.has(f))
  .map((f) => `test/${f}`)
const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--experimental-test-isolation=none', '--test-force-exit', '--test-timeout=120000', ...files, ...process.argv.slice(2)],
  { stdio: 'inherit' }
)
process.exit(run.status ?? 1)
