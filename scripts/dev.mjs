// `npm run dev`: builds the browser script, then runs the server from src/ with tsx. tsx
// watch restarts this whole script when src/ (src/browser included) changes.
import { buildBrowser } from './build.mjs'

await buildBrowser()
await import('../src/main.ts')
