// What `npm start` and the Procfile run: the server bundle (dist/server.bundle.cjs) with its
// code cache (src/bundle.ts). `--write-code-cache` is the build's: it walks the start-up path
// once (warmUp in server.ts) and saves the compiled code.
import { loadBundle } from './bundle.ts'

const { exports: server, writeCache } = loadBundle<typeof import('./server.ts')>('server.bundle.cjs')
if (process.argv.includes('--write-code-cache')) {
  await server.warmUp()
  writeCache()
} else {
  await server.serve(process.env, process.argv.includes('--static') ? { mode: 'static' } : {})
}
