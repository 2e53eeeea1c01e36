// Token files stay private: `--in FILE` says so, as ssh does for a key, when other users of the
// machine can read the file; the tokens page says to chmod 600 what it downloads.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readableByOthersWarning } from '../src/cli/input.ts'
import { Browser, cliSignIn, emulatorForCli, runCliHere, runFlow, startApp } from './helpers.ts'

const unix = process.platform !== 'win32'

describe('--in FILE that other users can read', () => {
  const fixture = emulatorForCli()

  test('whoami --in FILE warns on stderr for a 0644 file, with the chmod to run, and not for a 0600 one', { skip: !unix && 'file modes mean nothing on Windows' }, async () => {
    const signed = await cliSignIn(['--scopes', 'spark-admin:people_read', '--format', 'env'], fixture.env)
    assert.equal(signed.code, 0, signed.stderr)
    const dir = mkdtempSync(join(tmpdir(), 'wti-mode-'))
    const open = join(dir, 'webex.env')
    const closed = join(dir, 'private.env')
    writeFileSync(open, signed.stdout)
    chmodSync(open, 0o644)
    writeFileSync(closed, signed.stdout)
    chmodSync(closed, 0o600)

    const warned = await runCliHere(['whoami', '--in', open], fixture.env).done
    assert.equal(warned.code, 0, warned.stderr)
    assert.ok(
      warned.stderr.split('\n').includes(
        `warning: ${open} can be read by other users of this machine (mode 0644): run chmod 600 ${open}`
      ),
      warned.stderr
    )
    assert.match(warned.stdout, /^Avery Admin </, 'the command still runs')

    const quiet = await runCliHere(['whoami', '--in', closed], fixture.env).done
    assert.equal(quiet.code, 0, quiet.stderr)
    assert.doesNotMatch(quiet.stderr, /can be read by other users/)
  })
})

test('readableByOthersWarning: group or other read bits warn; owner-only, a pipe, and Windows do not', () => {
  const modes = true
  const file = (mode: number) => ({ mode: 0o100000 | mode, isFile: () => true })
  assert.match(readableByOthersWarning('t.env', file(0o640), modes) ?? '', /\(mode 0640\): run chmod 600 t\.env$/)
  assert.match(readableByOthersWarning('t.env', file(0o604), modes) ?? '', /mode 0604/)
  assert.equal(readableByOthersWarning('t.env', file(0o600), modes), undefined)
  assert.equal(readableByOthersWarning('t.env', file(0o400), modes), undefined)
  assert.equal(readableByOthersWarning('/dev/fd/3', { mode: 0o010644, isFile: () => false }, modes), undefined)
  assert.equal(readableByOthersWarning('t.env', file(0o644), false), undefined, 'Windows: modes mean nothing')
  assert.match(readableByOthersWarning("my tokens's.env", file(0o644), modes) ?? '', /chmod 600 'my tokens'\\''s\.env'$/)
})

test('the tokens page advises chmod 600 beside its download buttons', async () => {
  const app = await startApp()
  const browser = new Browser()
  try {
    const { final } = await runFlow(browser, app.url, ['spark-admin:people_read'])
    assert.equal(final.status, 200)
    const actions = /<div class="token-actions"[^>]*>([\s\S]*?)<\/div>/.exec(final.body)?.[1] ?? ''
    assert.match(actions, /id="download-env"/)
    assert.match(actions, /id="download-json"/)
    assert.match(actions, /<code>chmod 600 webex\.env<\/code>/)
  } finally {
    await browser.close()
    await app.close()
  }
})
