// The Node.js lines this tool runs on (package.json "engines": ^22.12.0 || >=24.0.0), checked
// first by every entry point (npm start, the CLI, npm test), so an older Node stops with one
// line instead of a stack trace from an API it lacks. Plain JavaScript that Node 18 and 20 parse.
import { pathToFileURL } from 'node:url'

/** Why `version` (as process.versions.node gives it) cannot run this tool, or undefined when it can. */
export function nodeVersionProblem (version) {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  if ((major === 22 && minor >= 12) || major >= 24) return undefined
  return (
    `webex-token-issuer needs Node.js 22.12 or later, or 24 or later; this is Node.js ${version}. ` +
    'Install one with `nvm install` or `fnm use` (they read .nvmrc), `volta install node@24`, or from https://nodejs.org/en/download'
  )
}

/** Stops the process with that one line when this Node cannot run the tool. */
export function requireSupportedNode () {
  const problem = nodeVersionProblem(process.versions.node)
  if (problem === undefined) return
  process.stderr.write(`${problem}\n`)
  process.exit(1)
}

// `node bin/node-version.js`: the check on its own, as `npm test` runs it first.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) requireSupportedNode()
