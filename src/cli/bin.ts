// Process wiring for the CLI: real streams, the system browser, Ctrl-C, a closed stdout.
import { EXIT } from './exit-codes.ts'
import { runCli } from './program.ts'
import { openBrowser } from './open-browser.ts'

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.pipeClosed)
  process.stderr.write(`error: cannot write to stdout (${err.code ?? err.message})\n`)
  process.exit(EXIT.failure)
})
const controller = new AbortController()
let interrupted = false
process.on('SIGINT', () => {
  if (interrupted) process.exit(EXIT.cancelled)
  interrupted = true
  controller.abort()
})
const code = await runCli(
  process.argv.slice(2),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    openBrowser
  },
  controller.signal
)
process.exitCode = interrupted ? EXIT.cancelled : code
if (code !== EXIT.ok || process.argv[2] !== 'serve') {
  // Nothing should be left running; make sure a stray handle cannot keep the process alive.
  setTimeout(() => process.exit(process.exitCode), 200).unref()
}
