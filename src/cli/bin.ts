// Process wiring for the CLI: real streams, the system browser (via `open`), Ctrl-C.
import { runCli } from './main.ts'

export async function main (): Promise<void> {
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
    openBrowser: async (url) => {
      const { default: open } = await import('open')
      await open(url, { wait: false })
    }
  }, controller.signal)
  process.exitCode = interrupted ? 130 : code
  if (code !== 0 || process.argv[2] !== 'serve') {
    // Nothing should be left running; make sure a stray handle cannot keep the process alive.
    setTimeout(() => process.exit(process.exitCode), 200).unref()
  }
}
