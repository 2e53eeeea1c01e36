// What the installed `webex-token-issuer` command runs: the CLI bundle (dist/cli.bundle.cjs)
// with its code cache (src/bundle.ts). The build runs it once as
// `node dist/cli/launch.js --write-code-cache`, a switch of this launcher, never seen by the CLI.
import { loadBundle } from '../bundle.ts'
import { openBrowser } from './open-browser.ts'

const { exports: cli, writeCache } = loadBundle<typeof import('./bin.ts')>('cli.bundle.cjs')
if (process.argv[2] === '--write-code-cache') {
  await cli.warmUp()
  writeCache()
  process.exit(0)
} else {
  await cli.main(openBrowser)
}
