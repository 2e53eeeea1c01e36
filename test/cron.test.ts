// The README's crontab line and docs/cron.md's systemd unit, run as written with the installed command
// (bin/webex-token-issuer.js, built dist/) against the emulator, in a scratch folder standing
// in for /srv/webex: not due (file untouched), due (refreshed in place, other lines and mode
// 0600 kept), and a refresh token that has expired (exit 6, a new sign-in needed).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseDotenv } from 'dotenv'
import {
  cliSignIn,
  CLIENT_ID,
  CLIENT_SECRET,
  freePort,
  spawnProcess,
  startEmulator,
  type RunningEmulator
} from './helpers.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const DOCS: Record<string, string> = { cron: 'README.md', systemd: join('docs', 'cron.md') }

function between (name: string): string {
  const file = DOCS[name] ?? 'README.md'
  const text = readFileSync(join(ROOT, file), 'utf8')
  const match = new RegExp(`<!-- ${name}:begin -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`).exec(text)
  if (match === null) throw new Error(`${file} has no ${name} block`)
  return match[1] ?? ''
}

/** Sets one variable of an env file, as time passing would make it. */
function setVariable (file: string, name: string, value: string): void {
  const text = readFileSync(file, 'utf8')
  writeFileSync(file, text.replace(new RegExp(`^${name}=.*$`, 'm'), `${name}='${value}'`))
}

describe('refresh from cron, as the README writes it', () => {
  let emu: RunningEmulator
  let dir: string
  let file: string
  let path: string
  before(async () => {
    const port = await freePort()
    const redirectUri = `http://127.0.0.1:${port}/oauth`
    emu = await startEmulator([redirectUri])
    dir = mkdtempSync(join(tmpdir(), 'wti-srv-webex-'))
    const env = { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI: redirectUri, WEBEX_BASE_URL: emu.base }
    writeFileSync(
      join(dir, '.env.local'),
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n') + '\n'
    )
    // The first sign-in, as a person does it once.
    file = join(dir, 'webex.env')
    assert.equal(
      (await cliSignIn(['--scopes', 'spark-admin:people_read', '--format', 'env', '--out', file], env)).code,
      0
    )
    // The script's own lines live in the same file.
    writeFileSync(
      file,
      `# settings of the reporting script\nexport REPORT_ROOM='Y2lzY29zcGFyazovL3VzL1JPT00vZXhhbXBsZQ'\n${readFileSync(file, 'utf8')}`
    )
    chmodSync(file, 0o644)
    // `webex-token-issuer` on PATH is the installed command.
    const bin = mkdtempSync(join(tmpdir(), 'wti-bin-'))
    symlinkSync(join(ROOT, 'bin', 'webex-token-issuer.js'), join(bin, 'webex-token-issuer'))
    path = `${bin}:${process.env.PATH ?? ''}`
  })
  after(async () => {
    await emu.app.close()
  })

  function runCron () {
    const line = between('cron').trim()
    const command = line.split(/\s+/).slice(5).join(' ').replace('cd /srv/webex', `cd '${dir}'`)
    return spawnProcess('sh', ['-c', command], { PATH: path }).done
  }

  function runSystemd () {
    const unit = between('systemd')
    const workDir = /^WorkingDirectory=(.+)$/m.exec(unit)?.[1]
    const [command, ...args] = (/^ExecStart=(.+)$/m.exec(unit)?.[1] ?? '').split(/\s+/)
    assert.equal(workDir, '/srv/webex')
    return spawnProcess(command ?? '', args, { PATH: path }, { cwd: dir }).done
  }

  test('the crontab line: not due leaves the file alone; due refreshes it in place, keeping its other lines, mode 0600', async () => {
    const before = readFileSync(file, 'utf8')
    const notDue = await runCron()
    assert.equal(notDue.code, 0, readFileSync(join(dir, 'refresh.log'), 'utf8'))
    assert.match(
      readFileSync(join(dir, 'refresh.log'), 'utf8'),
      /not due: the access token expires .*, after the 3d window; nothing was changed/
    )
    assert.equal(readFileSync(file, 'utf8'), before)
    assert.equal(statSync(file).mode & 0o777, 0o644, 'not even the mode is touched')

    setVariable(file, 'WEBEX_ACCESS_TOKEN_EXPIRES_AT', new Date(Date.now() + 86_400_000).toISOString())
    const due = await runCron()
    assert.equal(due.code, 0, readFileSync(join(dir, 'refresh.log'), 'utf8'))
    const text = readFileSync(file, 'utf8')
    const vars = parseDotenv(text)
    assert.equal(vars.WEBEX_ACCESS_TOKEN, emu.emulator.issued.at(-1)?.accessToken)
    assert.ok(Date.parse(vars.WEBEX_ACCESS_TOKEN_EXPIRES_AT ?? '') > Date.now() + 13 * 86_400_000)
    assert.match(
      text,
      /^# settings of the reporting script\nexport REPORT_ROOM='Y2lzY29zcGFyazovL3VzL1JPT00vZXhhbXBsZQ'\n# Webex tokens/
    )
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.ok(
      !readFileSync(join(dir, 'refresh.log'), 'utf8').includes(vars.WEBEX_ACCESS_TOKEN ?? 'x'),
      'no token in the log'
    )
  })

  test("the systemd unit's ExecStart in its WorkingDirectory: due refreshes; an expired refresh token exits 6 and says a sign-in is needed", async () => {
    setVariable(file, 'WEBEX_ACCESS_TOKEN_EXPIRES_AT', new Date(Date.now() + 3600_000).toISOString())
    const due = await runSystemd()
    assert.equal(due.code, 0, due.stderr)
    assert.match(due.stderr, /Refreshed/)
    assert.equal(parseDotenv(readFileSync(file, 'utf8')).WEBEX_ACCESS_TOKEN, emu.emulator.issued.at(-1)?.accessToken)

    setVariable(file, 'WEBEX_ACCESS_TOKEN_EXPIRES_AT', new Date(Date.now() + 3600_000).toISOString())
    setVariable(file, 'WEBEX_REFRESH_TOKEN_EXPIRES_AT', new Date(Date.now() - 60_000).toISOString())
    const before = readFileSync(file, 'utf8')
    const expired = await runSystemd()
    assert.equal(expired.code, 6, expired.stderr)
    assert.match(expired.stderr, /a new sign-in is needed/)
    assert.equal(readFileSync(file, 'utf8'), before)
  })
})
