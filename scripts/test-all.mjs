// `npm test`: the whole suite, in two lanes side by side on a 2-core machine, after one build.
//   lane 1: lint, type check, then every non-browser test file in one process (no per-file
//           isolation: the files share tsx's compile cache and Node's start-up, which made
//           them 76 CPU-seconds as 36 processes and a third of that as one).
//   lane 2: the files that spend their time waiting on other processes: Chromium (test/e2e),
//           the built package (build.test.ts) and the benchmark smoke run (bench.test.ts), one
//           at a time, longest first. Two at a time beside lane 1 was slower (237 s against
//           204 s here): three Chromium-heavy processes on two cores only take turns.
// Each lane's output is printed whole when it ends, so the log reads file by file; the last line
// is the two lanes' totals. Exit status: 0 only when every step of both lanes passed.
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const root = new URL('..', import.meta.url)
const node = process.execPath
const SEPARATE = new Set(['bench.test.ts', 'build.test.ts'])
const testFiles = (dir) =>
  readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => `${dir}${f}`)
const shared = testFiles('test/').filter((f) => !SEPARATE.has(f.slice('test/'.length)))
// Longest first (their seconds in a run here).
const WEIGHT = {
  'test/e2e/journeys.test.ts': 42,
  'test/e2e/a11y.test.ts': 37,
  'test/bench.test.ts': 31,
  'test/e2e/sign-in.test.ts': 26,
  'test/e2e/catalogue-page.test.ts': 18,
  'test/e2e/forms-and-grants.test.ts': 15,
  'test/build.test.ts': 8
}
const separate = [...testFiles('test/e2e/'), ...[...SEPARATE].map((f) => `test/${f}`)].sort(
  (a, b) => (WEIGHT[b] ?? 0) - (WEIGHT[a] ?? 0) || a.localeCompare(b)
)
const nodeTest = ['--import', 'tsx', '--test', '--test-timeout=600000', '--test-reporter=tap']
const npx = (bin, args) => [node, [new URL(`node_modules/${bin}`, root).pathname, ...args]]

const lanes = {
  'lint, type check, unit and integration tests': [
    ['lint', ...npx('eslint/bin/eslint.js', ['.'])],
    ['type check', ...npx('typescript/bin/tsc', ['-p', 'tsconfig.json'])],
    ['type check (browser)', ...npx('typescript/bin/tsc', ['-p', 'src/browser/tsconfig.json'])],
    ['type check (e2e)', ...npx('typescript/bin/tsc', ['-p', 'test/e2e/tsconfig.json'])],
    ['tests in one process', node, [...nodeTest, '--experimental-test-isolation=none', '--test-force-exit', ...shared]]
  ],
  'browser, built package and bench tests': [
    ['tests, a process each', node, [...nodeTest, '--test-concurrency=1', ...separate]]
  ]
}

/** Runs one step, collecting its output; resolves with its exit code and output. */
function run (command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    child.stderr.on('data', (d) => {
      output += d
    })
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), output }))
  })
}

async function lane (name, steps) {
  const t0 = performance.now()
  let log = ''
  let passed = 0
  let failed = 0
  for (const [step, command, args] of steps) {
    const { code, output } = await run(command, args)
    log += `\n--- ${name}: ${step} (exit ${code})\n${output}`
    passed += Number(/^# pass (\d+)$/m.exec(output)?.[1] ?? 0)
    failed += Number(/^# fail (\d+)$/m.exec(output)?.[1] ?? 0)
    if (code !== 0) {
      process.stdout.write(`${log}\n=== ${name}: FAILED at ${step}\n`)
      return { ok: false, passed, failed: Math.max(failed, 1) }
    }
  }
  process.stdout.write(`${log}\n=== ${name}: passed in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`)
  return { ok: true, passed, failed }
}

const t0 = performance.now()
const build = spawnSync(node, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const results = await Promise.all(Object.entries(lanes).map(([name, steps]) => lane(name, steps)))
const passed = results.reduce((n, r) => n + r.passed, 0)
const failed = results.reduce((n, r) => n + r.failed, 0)
process.stdout.write(`\nnpm test: ${((performance.now() - t0) / 1000).toFixed(0)} s\n${passed} passed, ${failed} failed\n`)
process.exit(results.every((r) => r.ok) ? 0 : 1)
