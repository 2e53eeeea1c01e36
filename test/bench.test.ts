// The benchmark harness cannot rot: its quick smoke run must work end to end. It asserts that
// every measure was taken and that the page comparison is like for like (both servers sent the
// same bytes), not the speed targets (those live in `npm run bench`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

test('npm run bench -- --quick measures everything and writes its results', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'wti-bench-')), 'results.json')
  const run = fileURLToPath(new URL('bench/run.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), run, '--quick', '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  let stdout = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
  const code = await new Promise((resolve) => child.on('exit', resolve))
  clearTimeout(timer)
  assert.equal(code, 0, stderr)
  assert.match(stdout, /^\| measure \| value \| target \| result \|$/m)
  const results = JSON.parse(readFileSync(out, 'utf8')) as {
    quick: boolean
    comparison: { pageBytes: number, baselineSizes: number[], appSizes: number[] }
    measures: Array<{ name: string, value: number, target: string, pass: boolean | null }>
  }
  assert.equal(results.quick, true)
  // What the comparison rests on: bare Fastify and the app sent the same page, byte for byte.
  const { pageBytes, baselineSizes, appSizes } = results.comparison
  assert.ok(pageBytes > 50_000, `the scope page is ${pageBytes} bytes`)
  assert.deepEqual(baselineSizes, [pageBytes])
  assert.deepEqual(appSizes, [pageBytes])
  // A measure with a target was judged against it; one without was not.
  for (const m of results.measures) assert.equal(typeof m.pass, m.target === '' ? 'object' : 'boolean', m.name)
  const names = results.measures.map((m) => m.name)
  for (const wanted of [
    /baseline start-up/,
    /app start-up \(npm start/,
    /app start-up in sandbox mode/,
    /CLI start/,
    /baseline: bare Fastify sending the catalogue page/,
    /catalogue page GET/,
    /search keystroke in Chromium/,
    /full flows/,
    /flow latency p99/,
    /CPU per complete flow/,
    /heap after a full GC/,
    /heap growth/,
    /RSS after/
  ]) {
    assert.ok(
      names.some((n) => wanted.test(n)),
      `missing ${String(wanted)}`
    )
  }
  for (const m of results.measures) {
    assert.ok(Number.isFinite(m.value) && (m.value >= 0 || m.name.includes('growth')), `${m.name} = ${m.value}`)
  }
})
