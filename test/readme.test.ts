// The README as a newcomer reads it: short, the two commands first, then real Webex, the CLI
// and security, in that order; every link it makes leads to a file that exists; and the test
// command it names is the one CI runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../src/paths.ts'

const README = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8')
const lines = README.split('\n')

test('the README is at most 300 lines and names its two commands within the first 40', () => {
  assert.ok(lines.length <= 300, `${lines.length} lines`)
  const first40 = lines.slice(0, 40).join('\n')
  assert.match(first40, /^npm ci && npm start$/m)
  assert.match(first40, /^npm test$/m)
})

test("the README's sections come in the newcomer's order", () => {
  const order = [
    '## Two commands',
    '## Using it with real Webex',
    '## Command line',
    '## Security in brief',
    '## Design notes'
  ]
  const at = order.map((heading) => lines.indexOf(heading))
  for (const [i, heading] of order.entries()) assert.ok((at[i] ?? -1) >= 0, `no "${heading}"`)
  assert.deepEqual(
    [...at].sort((a, b) => a - b),
    at
  )
})

test('every relative link and image in the README and docs/ leads to a file', () => {
  for (const file of [
    'README.md',
    'docs/cli.md',
    'docs/cron.md',
    'docs/development.md',
    'docs/performance.md',
    'docs/design-notes.md',
    'docs/architecture.md'
  ]) {
    const text = readFileSync(join(PACKAGE_ROOT, file), 'utf8')
    for (const [, target = ''] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue
      assert.ok(existsSync(join(PACKAGE_ROOT, file, '..', target)), `${file} links to ${target}, which does not exist`)
    }
  }
})

test("CI runs the README's test command", () => {
  assert.match(readFileSync(join(PACKAGE_ROOT, '.ci', 'run'), 'utf8'), /^\s*npm test$/m)
})
