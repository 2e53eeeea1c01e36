#!/usr/bin/env node
// The installed command. It runs the bundled CLI in dist/ (built by `npm run build`, which
// `npm ci` and `npm install` run through the prepare script).
import { existsSync } from 'node:fs'

const entry = new URL('../dist/cli/launch.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write('webex-token-issuer is not built yet: run `npm run build` in its folder.\n')
  process.exit(1)
}
await import(entry.href)
