// What the CLI tells a person, on stderr: progress only on a TTY, colour only on a TTY
// without NO_COLOR (no-color.org). Tokens never pass through here.
import { terminalSafe } from './terminal-safe.ts'
export class Terminal {
  readonly #out: NodeJS.WritableStream
  readonly #tty: boolean
  readonly #color: boolean
  #spinner: NodeJS.Timeout | undefined
  #line = ''

  constructor (out: NodeJS.WritableStream, env: NodeJS.ProcessEnv) {
    this.#out = out
    this.#tty = 'isTTY' in out && out.isTTY === true
    this.#color = this.#tty && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb'
  }

  #paint (code: number, text: string): string {
    return this.#color ? `\u001b[${code}m${text}\u001b[0m` : text
  }

  #write (text: string): void {
    this.stop()
    this.#out.write(`${text}\n`)
  }

  // Every message may quote Webex's strings: their control characters are shown, not obeyed (terminal-safe.ts).
  info (text: string): void {
    this.#write(terminalSafe(text))
  }

  url (url: string): void {
    this.#write(`\n  ${this.#paint(4, terminalSafe(url, true))}\n`)
  }

  done (text: string): void {
    this.#write(this.#paint(32, terminalSafe(text)))
  }

  /** One line per error: "error: …", or the "config error: …" lines of a bad configuration as they are. */
  error (text: string): void {
    const safe = terminalSafe(text)
    this.#write(safe.startsWith('config error:') ? safe : `${this.#paint(31, 'error:')} ${safe}`)
  }

  /** A spinner line on a TTY; nothing at all when stderr is a file or a pipe. */
  progress (text: string): void {
    if (!this.#tty) return
    this.stop()
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
    let i = 0
    this.#line = terminalSafe(text, true)
    const draw = () => {
      this.#out.write(`\r${this.#paint(36, frames[i++ % frames.length] ?? '')} ${this.#line}`)
    }
    draw()
    this.#spinner = setInterval(draw, 100)
    this.#spinner.unref()
  }

  stop (): void {
    if (this.#spinner === undefined) return
    clearInterval(this.#spinner)
    this.#spinner = undefined
    this.#out.write('\r\u001b[2K')
  }
}
