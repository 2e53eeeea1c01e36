// The CLI's stderr: a spinner and colour only on a TTY, no colour under NO_COLOR, and an
// error line always clears the spinner first.
/* eslint-disable no-control-regex -- terminal escape codes are what these tests check */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { Terminal } from '../src/cli/terminal.ts'
import { jsonSafe, terminalSafe } from '../src/cli/terminal-safe.ts'
import { DEMO_USERS } from '../src/sandbox/users.ts'
import { cliSignIn, runCliHere, emulatorForCli } from './helpers.ts'

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

describe('control characters from Webex never reach the terminal', () => {
  const hostile =
    'Evil\u001b]0;pwned\u0007\u001b[2J\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\\u001b]52;c;ZXZpbA==\u0007\u009b31m\u202eexe.txt'

  test('terminalSafe shows every C0, C1 and bidi control as a visible escape, and keeps plain text', () => {
    const shown = terminalSafe(hostile)
    assert.doesNotMatch(shown, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
    assert.match(shown, /^Evil\\x1b\]0;pwned\\x07\\x1b\[2J/)
    assert.match(shown, /\\x9b31m\\u202eexe\.txt$/)
    assert.equal(
      terminalSafe('Avery Admin <a@b.example>\n  line two\ttab'),
      'Avery Admin <a@b.example>\n  line two\ttab'
    )
    assert.equal(terminalSafe('one\nline', true), 'one\\x0aline')
    assert.deepEqual(JSON.parse(jsonSafe(JSON.stringify({ name: hostile }))), { name: hostile }, 'JSON keeps the data')
    assert.doesNotMatch(jsonSafe(JSON.stringify({ name: hostile })), /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/)
  })

  const fixture = emulatorForCli()

  const escapes = /[\u001b\u0007\u009b\u202e]/

  test('grants list (an application\'s name), whoami (a display name) and "Webex said" print no escape sequence', async () => {
    const admin = (
      JSON.parse((await cliSignIn(['--scopes', 'identity:tokens_read identity:tokens_write'], fixture.env)).stdout) as {
        access_token: string
      }
    ).access_token
    const person = DEMO_USERS[0]?.personId ?? ''
    fixture.emu.emulator.grants.add({
      clientId: 'C0evil0client',
      applicationName: hostile,
      personId: person,
      type: 'refresh'
    })
    for (const format of ['text', 'json']) {
      const list = await runCliHere(['grants', 'list', '--format', format], {
        ...fixture.env,
        WEBEX_ACCESS_TOKEN: admin
      }).done
      assert.equal(list.code, 0, list.stderr)
      assert.doesNotMatch(list.stdout, escapes, format)
      assert.match(list.stdout, /Evil/)
    }
    fixture.emu.emulator.faults.push('me', {
      kind: 'status',
      status: 200,
      body: JSON.stringify({ id: person, emails: ['a@b.example'], displayName: hostile, orgId: 'org' })
    })
    const me = await runCliHere(['whoami'], { ...fixture.env, WEBEX_ACCESS_TOKEN: admin }).done
    assert.equal(me.code, 0, me.stderr)
    assert.doesNotMatch(me.stdout, escapes)
    assert.match(me.stdout, /^Evil\\x1b\]0;pwned/)
    fixture.emu.emulator.faults.push('token', {
      kind: 'status',
      status: 400,
      body: JSON.stringify({ error: 'invalid_grant', error_description: hostile })
    })
    const refused = await runCliHere(['refresh'], { ...fixture.env, WEBEX_REFRESH_TOKEN: 'x'.repeat(40) }).done
    assert.equal(refused.code, 6)
    assert.match(refused.stderr, /Webex said: Evil\\x1b/)
    assert.doesNotMatch(refused.stderr, escapes)
  })
})
