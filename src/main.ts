// The server's entry point: `npm start` (through bin/serve.js), the Procfile and `npm run dev`
// run it. `--static` is MODE=static.
import { serve } from './server.ts'

serve(process.env, process.argv.includes('--static') ? { mode: 'static' } : {}).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
