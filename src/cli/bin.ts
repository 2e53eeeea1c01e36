// Process wiring for the CLI: real streams, the system browser, Ctrl-C.
import { createServer } from 'node:net'
import { Writable } from 'node:stream'
import { DIST_DIR } from '../bundle.ts'
import { runCli } from './main.ts'

/** Exit code when stdout is closed under us (`… | head`): 128 + SIGPIPE, as the shell reports for other tools. */
export const EXIT_PIPE_CLOSED = 141

export async function main (openBrowser: (url: string) => Promise<void>): Promise<void> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_PIPE_CLOSED)
    process.stderr.write(`error: cannot write to stdout (${err.code ?? err.message})\n`)
    process.exit(1)
  })
  const controller = new AbortController()
  let interrupted = false
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130)
    interrupted = true
    controller.abort()
  })
  const code = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    openBrowser
  }, controller.signal)
  process.exitCode = interrupted ? 130 : code
  if (code !== 0 || process.argv[2] !== 'serve') {
    // Nothing should be left running; make sure a stray handle cannot keep the process alive.
    setTimeout(() => process.exit(process.exitCode), 200).unref()
  }
}

/**
 * Walks the CLI's start-up path for the build, which then saves the compiled code as the
 * bundle's cache (src/bundle.ts): `scopes`, and `token --no-browser` up to the sign-in URL,
 * against made-up credentials on a free loopback port, with no .env read (dist/ has none)
 * and nothing printed.
 */
export async function warmUp (): Promise<void> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
  const controller = new AbortController()
  const sink = (onText?: (text: string) => void) => new Writable({ write (chunk: Buffer, _encoding, done) { onText?.(chunk.toString()); done() } })
  let printed = ''
  const io = {
    stdout: sink(),
    stderr: sink((text) => { printed += text; if (printed.includes('/authorize?')) controller.abort() }),
    stdin: process.stdin,
    env: { CLIENT_ID: 'C0warm0up0only0000000000000000000', CLIENT_SECRET: 'warm-up-only', REDIRECT_URI: `http://127.0.0.1:${port}/oauth`, WEBEX_BASE_URL: 'http://127.0.0.1:9/v1' },
    cwd: DIST_DIR,
    openBrowser: async () => {}
  }
  await runCli(['scopes', '--json'], io, controller.signal)
  await runCli(['token', '--no-browser', '--scopes', 'spark-admin:people_read'], io, controller.signal)
  if (!printed.includes('/authorize?')) throw new Error(`the CLI warm-up did not reach the sign-in URL: ${printed}`)
}
