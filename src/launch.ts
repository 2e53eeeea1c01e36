// What `npm start` and the Procfile run: the server bundle (dist/server.bundle.cjs) with its
// code cache (src/bundle.ts). `--write-code-cache` is the build's: it walks the start-up path
// once (warmUp in server.ts) and saves the compiled code.
import { loadBundle } from './bundle.ts'

const { exports: server, cache, writeCache } = loadBundle<typeof import('./server.ts')>('server.bundle.cjs')
if (process.argv.includes('--write-code-cache')) {
  await server.warmUp()
  writeCache()
} else {
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') process.stderr.write(`debug: code cache ${cache}\n`)
  await server.serve(process.env, process.argv.includes('--static') ? { mode: 'static' } : {})
}
