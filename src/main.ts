// The server run from source (`npm run dev`, the tests), with the process's own environment;
// `npm start` and the Procfile run the built bundle through src/launch.ts. `--static` is
// `MODE=static`.
import { serve } from './server.ts'

serve(process.env, process.argv.includes('--static') ? { mode: 'static' } : {}).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
