// A Node.js the tool does not support stops every entry point with one line, before anything
// that needs a newer Node runs: npm start, the CLI and npm test's first step.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { nodeVersionProblem } from '../bin/node-version.js'
import { spawnProcess } from './helpers.ts'

const bin = (name: string) => fileURLToPath(new URL(`../bin/${name}`, import.meta.url))
const ENTRY_POINTS = ['serve.js', 'webex-token-issuer.js', 'node-version.js']

test("the supported lines are 22.12+ and 24+, as package.json's engines says", () => {
  for (const version of ['20.20.2', '18.20.4', '22.11.0', '23.11.0', '21.7.3']) {
    assert.match(
      nodeVersionProblem(version) ?? '',
      new RegExp(`this is Node\\.js ${version.replace(/\./g, '\\.')}\\.`),
      version
    )
  }
  for (const version of ['22.12.0', '22.23.5', '24.0.0', '24.22.3', '25.1.0']) {
    assert.equal(nodeVersionProblem(version), undefined, version)
  }
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string }
  }
  assert.equal(pkg.engines.node, '^22.12.0 || >=24.0.0')
})

test("npm ci stops on an unsupported Node with npm's own message, and nvm, fnm and volta find a supported one", () => {
  assert.match(readFileSync(new URL('../.npmrc', import.meta.url), 'utf8'), /^engine-strict=true$/m)
  const wanted = readFileSync(new URL('../.nvmrc', import.meta.url), 'utf8').trim()
  assert.equal(nodeVersionProblem(`${wanted}.0.0`), undefined, `.nvmrc names ${wanted}`)
})

/** Runs an entry point on this Node, made to report `version` as its own before anything else loads. */
function runAs (version: string, entry: string) {
  const pretend = `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'${version}'})`
  return spawnProcess(process.execPath, ['--import', pretend, bin(entry)], {}).done
}

for (const entry of ENTRY_POINTS) {
  test(`bin/${entry} on Node 20 prints one line naming the versions and exits 1, with no stack trace`, async () => {
    const run = await runAs('20.20.2', entry)
    assert.equal(run.code, 1)
    assert.equal(run.stdout, '')
    assert.match(
      run.stderr,
      /^webex-token-issuer needs Node\.js 22\.12 or later, or 24 or later; this is Node\.js 20\.20\.2\. Install one with `nvm install`[^\n]*\n$/
    )
  })
}

// The machines this project runs on come with an old Node as /usr/bin/node: the real thing, where it is there.
const systemNode = '/usr/bin/node'
const systemVersion = existsSync(systemNode)
  ? execFileSync(systemNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()
  : undefined
test(
  "the machine's own old Node gets the same one line",
  {
    skip:
      systemVersion === undefined || nodeVersionProblem(systemVersion) === undefined
        ? 'no unsupported Node at /usr/bin/node'
        : false
  },
  async () => {
    for (const entry of ENTRY_POINTS) {
      const run = await spawnProcess(systemNode, [bin(entry)], {}).done
      assert.equal(run.code, 1, entry)
      assert.equal(run.stderr, `${nodeVersionProblem(systemVersion ?? '') ?? ''}\n`, entry)
    }
  }
)
