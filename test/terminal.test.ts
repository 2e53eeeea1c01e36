// The CLI's stderr: a spinner and colour only on a TTY, no colour under NO_COLOR, and an
// error line always clears the spinner first.
/* eslint-disable no-control-regex -- terminal escape codes are what these tests check */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { Terminal } from '../src/cli/terminal.ts'

class Capture extends Writable {
  text = ''
  constructor (readonly isTTY: boolean) {
    super()
  }

  override _write (chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

test('on a TTY: a spinner, colour, and the spinner cleared before an error', () => {
  const out = new Capture(true)
  const term = new Terminal(out, {})
  term.progress('Waiting…')
  term.error('boom')
  assert.match(out.text, /^\r\u001b\[36m⠋\u001b\[0m Waiting…/)
  assert.match(out.text, /\r\u001b\[2K\u001b\[31merror:\u001b\[0m boom\n$/)
})

test('NO_COLOR keeps the spinner line but drops every colour', () => {
  const out = new Capture(true)
  const term = new Terminal(out, { NO_COLOR: '1' })
  term.progress('Waiting…')
  term.error('boom')
  assert.doesNotMatch(out.text.replace('\r\u001b[2K', ''), /\u001b\[/)
  assert.match(out.text, /error: boom\n$/)
})

test('not a TTY: no spinner and no escape codes at all', () => {
  const out = new Capture(false)
  const term = new Terminal(out, {})
  term.progress('Waiting…')
  term.info('hello')
  term.error('boom')
  assert.equal(out.text, 'hello\nerror: boom\n')
})
