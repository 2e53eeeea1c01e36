// Where the server's log goes, and how it lets go at shutdown. On a terminal: readable lines
// (pino-pretty, loaded only then). Otherwise one JSON line per event, written without
// blocking, so that a stdout pipe nobody reads (full) or nobody holds (closed) can slow or
// silence the log but never stop the server, nor its shutdown on SIGTERM/SIGINT.
import type { DestinationStream } from 'pino'
import sonicBoom from 'sonic-boom'

// sonic-boom (pino's own writer) is CommonJS, module.exports = SonicBoom; its types declare an ES default export.
const SonicBoom = sonicBoom as unknown as typeof import('sonic-boom').SonicBoom

/** Log bytes held while the reader of stdout is not keeping up; past this, lines are dropped. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024

export interface LogOutput {
  stream: DestinationStream
  /** Ends the log: writes out what is buffered, waiting at most `ms`, then gives up the rest. */
  settle: (ms: number) => Promise<void>
}

export async function logOutput (): Promise<LogOutput> {
  if (process.stdout.isTTY) {
    const { default: pretty } = await import('pino-pretty')
    return { stream: pretty({ sync: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' }), settle: async () => {} }
  }
  // Not pino.destination(): that one flushes synchronously on exit, forever if the pipe is full.
  const boom = new SonicBoom({ fd: 1, sync: false, maxLength: MAX_BUFFERED_BYTES })
  let open = true
  // A closed pipe (EPIPE) or any other write error ends the log, not the server.
  boom.on('error', () => {
    open = false
  })
  return {
    stream: {
      write: (line: string) => {
        if (open) boom.write(line)
      }
    },
    settle: (ms) =>
      new Promise((resolve) => {
        if (!open) {
          resolve()
          return
        }
        open = false
        const timer = setTimeout(resolve, ms)
        const done = () => {
          clearTimeout(timer)
          resolve()
        }
        boom.once('close', done)
        boom.once('error', done)
        // Ends once everything buffered is written; a full pipe never lets that happen, so the timer does.
        boom.end()
      })
  }
}
