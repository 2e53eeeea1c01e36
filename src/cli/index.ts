// The CLI run from source (tsx, the tests); the installed command runs the bundle through
// src/cli/launch.ts.
import { main } from './bin.ts'
import { openBrowser } from './open-browser.ts'

await main(openBrowser)
