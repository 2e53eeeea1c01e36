// `grants list`, `grants revoke` and `audit` against the emulator, in this process through
// runCli: the admin token read the safe ways or from a sign-in, the role refusals with their
// exit codes, the question revoke asks on a terminal, and the audit file the commands append to.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_USERS } from '../src/sandbox/users.ts'
import {
  Browser,
  CLIENT_ID,
  CLIENT_SECRET,
  cliSignIn,
  consent,
  emulatorForCli,
  freePort,
  runCliHere,
  type RunningEmulator
} from './helpers.ts'

const PORTAL = 'C80fb9c7096bd8474627317ee1d7a817eff372ca9c9cee3ce43c3ea3e8d1511ec'

function personId (key: string): string {
  return DEMO_USERS.find((u) => u.key === key)?.personId ?? ''
}

describe('webex-token-issuer grants and audit', () => {
  const fixture = emulatorForCli()
  let emu: RunningEmulator
  let env: Record<string, string>
  let auditFile: string
  before(() => {
    emu = fixture.emu
    auditFile = join(mkdtempSync(join(tmpdir(), 'wti-audit-')), 'audit.jsonl')
    env = { ...fixture.env, AUDIT_LOG: auditFile }
  })

  /** `token` as a demo user; returns the access token it printed. */
  async function tokenFor (user: 'admin' | 'readonly' | 'user', scopes: string): Promise<string> {
    const done = await cliSignIn(['--scopes', scopes], env, user)
    assert.equal(done.code, 0, done.stderr)
    return (JSON.parse(done.stdout) as { access_token: string }).access_token
  }

  const GRANTS = 'identity:tokens_read identity:tokens_write'

  test("list: the admin's own grants by application from WEBEX_ACCESS_TOKEN, another person's by --email, JSON with Webex's fields; an unknown email exits 15", async () => {
    const admin = await tokenFor('admin', GRANTS)
    const own = await runCliHere(['grants', 'list'], { ...env, WEBEX_ACCESS_TOKEN: admin }).done
    assert.equal(own.code, 0, own.stderr)
    assert.match(own.stdout, /^Grants of avery\.admin@sandbox\.example\.com: \d+ in 3 applications/)
    assert.match(
      own.stdout,
      /\nwebex-token-issuer \(this tool\) {2}client Ctest0client0id0for0the0suite\n {2}refresh /,
      'sign-ins first'
    )
    assert.ok(own.stdout.indexOf('Developer Portal') < own.stdout.indexOf('Webex Web Client'))
    assert.match(
      own.stdout,
      /\nWebex Web Client \(Webex's own app\) {2}client C64ab04639eefee4798f58e7bc3fe01d47161be0d97ff0d31e040a6ffe66d7f0a\n/
    )
    assert.doesNotMatch(own.stdout, /webex-token-issuer \(this tool\) \(Webex's own app\)/)

    const other = await runCliHere(
      ['grants', 'list', '--email', 'casey.compliance@sandbox.example.com', '--format', 'json'],
      env,
      admin
    ).done
    assert.equal(other.code, 0, other.stderr)
    const json = JSON.parse(other.stdout) as {
      person: string
      items: Array<{ id: string, clientId: string, type: string, applicationName: string }>
    }
    assert.equal(json.person, 'casey.compliance@sandbox.example.com')
    assert.deepEqual(json.items.map((g) => g.applicationName).sort(), ['Developer Portal', 'Webex Web Client'])

    const unknown = await runCliHere(['grants', 'list', '--email', 'nobody@sandbox.example.com'], {
      ...env,
      WEBEX_ACCESS_TOKEN: admin
    }).done
    assert.equal(unknown.code, 15)
    assert.match(unknown.stderr, /Webex found no person with the email nobody@sandbox\.example\.com/)
    assert.ok(!unknown.stderr.includes(admin) && !own.stdout.includes(admin))
  })

  test('revoke --id: refused without --yes off a terminal (nothing revoked), then done with --yes; the revoked token fails afterwards (whoami exits 10)', async () => {
    const admin = await tokenFor('admin', GRANTS)
    const robin = await tokenFor('user', 'spark:people_read')
    const grant = emu.emulator.grants
      .forPerson(personId('user'))
      .findLast((g) => g.type === 'refresh' && g.clientId === CLIENT_ID)
    assert.ok(grant !== undefined)
    const refused = await runCliHere(['grants', 'revoke', '--id', grant.id], env, admin).done
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /pass --yes to confirm/)
    assert.equal((await runCliHere(['whoami'], env, robin).done).code, 0, 'still valid')

    const done = await runCliHere(['grants', 'revoke', '--id', grant.id, '--yes'], {
      ...env,
      WEBEX_ACCESS_TOKEN: admin
    }).done
    assert.equal(done.code, 0, done.stderr)
    assert.match(done.stderr, new RegExp(`Revoked grant ${grant.id}`))
    const after = await runCliHere(['whoami'], env, robin).done
    assert.equal(after.code, 10)
    const again = await runCliHere(['grants', 'revoke', '--id', grant.id, '--yes'], {
      ...env,
      WEBEX_ACCESS_TOKEN: admin
    }).done
    assert.equal(again.code, 15, 'a grant already revoked is not found')
  })

  test('revoke on a terminal asks first: "n" changes nothing (exit 130), "y" revokes; --client-id revokes the integration in the whole org', async () => {
    const admin = await tokenFor('admin', GRANTS)
    /** `grants revoke --client-id` on a terminal, answering its question. */
    const revokeOnTerminal = (answer: string) =>
      runCliHere(['grants', 'revoke', '--client-id', PORTAL], { ...env, WEBEX_ACCESS_TOKEN: admin }, answer, { tty: true })
        .done
    const no = await revokeOnTerminal('n\n')
    assert.equal(no.code, 130)
    assert.match(
      no.stderr,
      /Revoke every grant of Webex Developer Portal \(client C80fb9c7096bd8474627317ee1d7a817eff372ca9c9cee3ce43c3ea3e8d1511ec\) in your org\. Every person in the org who signed in to Webex Developer Portal loses that sign-in.* is one of Webex's own applications: everyone in the org is signed out of it at once\? \[y\/N\]/
    )
    assert.ok(emu.emulator.grants.forPerson(personId('compliance')).some((g) => g.clientId === PORTAL))
    const yes = await revokeOnTerminal('y\n')
    assert.equal(yes.code, 0, yes.stderr)
    for (const user of DEMO_USERS) {
      assert.ok(!emu.emulator.grants.forPerson(user.personId).some((g) => g.clientId === PORTAL), user.key)
    }
  })

  test('refusals: a read-only admin can neither list nor revoke (exit 14, with the role explained); a token without identity:tokens_read cannot list', async () => {
    const readonly = await tokenFor('readonly', GRANTS)
    const list = await runCliHere(['grants', 'list'], env, readonly).done
    assert.equal(list.code, 14, list.stderr)
    assert.match(list.stderr, /Webex does not let a read-only administrator list or revoke grants/)
    const grant = emu.emulator.grants.forPerson(personId('readonly'))[0]
    assert.ok(grant !== undefined)
    const revoke = await runCliHere(['grants', 'revoke', '--id', grant.id, '--yes'], env, readonly).done
    assert.equal(revoke.code, 14)
    assert.match(revoke.stderr, /Webex did not allow this/)
    assert.match(revoke.stderr, /Read-only administrators are not supported/)
    assert.ok(emu.emulator.grants.get(grant.id) !== undefined, 'nothing was revoked')
    const byClient = await runCliHere(['grants', 'revoke', '--client-id', grant.clientId, '--yes'], env, readonly).done
    assert.equal(byClient.code, 14)
    assert.ok(emu.emulator.grants.get(grant.id) !== undefined, 'nothing was revoked by client either')

    const plain = await tokenFor('admin', 'spark-admin:people_read')
    const noScope = await runCliHere(['grants', 'list'], env, plain).done
    assert.equal(noScope.code, 14)
    assert.match(noScope.stderr, /identity:tokens_read/)
  })

  test('usage: exactly one of --id and --client-id', async () => {
    assert.equal((await runCliHere(['grants', 'revoke', '--yes'], env, 'x').done).code, 2)
    assert.equal(
      (await runCliHere(['grants', 'revoke', '--id', 'a', '--client-id', 'b', '--yes'], env, 'x').done).code,
      2
    )
  })

  test('audit: the table and JSON of what the commands did, --since, mode 0600, and no token anywhere in the file', async () => {
    const table = await runCliHere(['audit'], env).done
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /^TIME +EVENT +VIA +WHO/)
    for (const event of ['token_issued', 'token_checked', 'grant_revoked']) {
      assert.match(table.stdout, new RegExp(` ${event} +cli `))
    }
    const json = await runCliHere(['audit', '--json'], env).done
    const entries = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string, via: string, revoked?: { client_id?: string } })
    assert.ok(entries.some((e) => e.event === 'grant_revoked' && e.revoked?.client_id === PORTAL))
    const future = await runCliHere(['audit', '--since', '2999-01-01'], env).done
    assert.equal(future.stdout, 'No events.\n')
    assert.equal((await runCliHere(['audit', '--since', 'yesterday-ish'], env).done).code, 2)

    assert.equal(statSync(auditFile).mode & 0o777, 0o600)
    const text = readFileSync(auditFile, 'utf8')
    for (const record of emu.emulator.issued) {
      for (const secret of [record.code, record.accessToken, record.refreshToken]) {
        if (secret !== undefined && secret !== '') {
          assert.ok(!text.includes(secret), 'a token or code reached the audit file')
        }
      }
    }
    assert.ok(!text.includes(CLIENT_SECRET))
  })

  test('an AUDIT_LOG that cannot be written stops every command with exit 78, before anything happens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wti-audit-'))
    mkdirSync(join(dir, 'a-folder'))
    const run = await runCliHere(['grants', 'list'], { ...env, AUDIT_LOG: join(dir, 'a-folder') }, 'token').done
    assert.equal(run.code, 78)
    assert.match(run.stderr, /AUDIT_LOG .*a-folder cannot be written \(EISDIR\)/)
    const missing = await runCliHere(
      ['whoami'],
      { ...env, AUDIT_LOG: join(dir, 'no-such-folder', 'audit.jsonl') },
      'token'
    ).done
    assert.equal(missing.code, 78)
  })
})

describe('grants in sandbox mode', () => {
  test("--sign-in runs the grants sign-in against this run's own sandbox and lists while it is open; a token given instead exits 11", async () => {
    const port = await freePort()
    const env = { REDIRECT_URI: `http://127.0.0.1:${port}/oauth` }
    const run = runCliHere(['grants', 'list', '--sign-in', '--no-browser'], env)
    const url = new URL(await run.url)
    assert.equal(url.searchParams.get('scope'), 'identity:tokens_read identity:tokens_write')
    const browser = new Browser()
    const back = await consent(browser, url.toString(), 'admin')
    await browser.fetch(back.location ?? '')
    await browser.close()
    const done = await run.done
    assert.equal(done.code, 0, done.stderr)
    assert.match(done.stdout, /webex-token-issuer \(this tool\)/)
    // A token from a sandbox on that port, which is not running now.
    const download = `WEBEX_ACCESS_TOKEN='ZmFrZQ_some_token'\nWEBEX_BASE_URL='http://127.0.0.1:${port}/sandbox/v1'\n`
    const given = await runCliHere(['grants', 'list'], env, download).done
    assert.equal(given.code, 11)
    assert.match(given.stderr, /pass --sign-in/)
  })
})
