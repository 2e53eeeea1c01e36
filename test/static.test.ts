// Static mode: SCOPES fixed and validated at start-up; the page cannot change them.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { loadCatalogue } from '../src/catalogue/index.ts'
import { suggestScope } from '../src/catalogue/static-scopes.ts'
import { checkStaticScopes } from '../src/startup-checks.ts'
import { ConfigError, parseConfig } from '../src/config/index.ts'
import { SCOPES_DIR } from '../src/paths.ts'
import { Browser, consent, freePort, pageOf, runFlow, spawnTs, startApp } from './helpers.ts'

const catalogue = loadCatalogue(SCOPES_DIR)

/** Starts the server; once it says it listens, stops it with SIGTERM. */
async function start (
  env: Record<string, string>,
  args: string[] = []
): Promise<{ code: number | null, stderr: string }> {
  const server = spawnTs('../src/main.ts', args, env)
  server.waitFor(/open http/).then(
    () => server.kill('SIGTERM'),
    () => {}
  )
  return server.done
}

describe('static-mode start-up validation', () => {
  test('a likely typo of a catalogue id exits 78 with the suggestion', async () => {
    const { code, stderr } = await start({ MODE: 'static', SCOPES: 'spark-admin:people_read Spark-Admin:Devices_Read' })
    assert.equal(code, 78)
    assert.match(
      stderr,
      /^config error: SCOPES: Spark-Admin:Devices_Read is not in the catalogue, and looks like a typo of spark-admin:devices_read\. Fix it, or set ALLOW_UNKNOWN_SCOPES=true/m
    )
  })

  test('a malformed id exits 78', async () => {
    const { code, stderr } = await start({ MODE: 'static', SCOPES: 'spark-admin:people_read not/a/scope' })
    assert.equal(code, 78)
    assert.match(stderr, /^config error: SCOPES: unknown scope "not\/a\/scope"/m)
  })

  test('--static (as npm run start:static passes) turns static mode on, and empty SCOPES is a config error', async () => {
    const { code, stderr } = await start({}, ['--static'])
    assert.equal(code, 78)
    assert.match(stderr, /SCOPES is empty/)
  })

  test('a likely typo only warns with ALLOW_UNKNOWN_SCOPES=true, and the server starts', async () => {
    const port = await freePort()
    const { code, stderr } = await start({
      MODE: 'static',
      PORT: String(port),
      ALLOW_UNKNOWN_SCOPES: 'true',
      SCOPES: 'spark-admin:people_read,spark-admin:people_reed'
    })
    assert.equal(code, 0)
    assert.match(
      stderr,
      /warning: SCOPES: spark-admin:people_reed is not in the catalogue; it will be sent as written \(did you mean spark-admin:people_read\?\)/
    )
  })

  test('an unknown id with no near catalogue id only warns, and the capitalised one goes out verbatim', () => {
    const config = parseConfig({ MODE: 'static', SCOPES: 'Identity:SCIM spark-admin:brand_new_feature_read' })
    assert.deepEqual(checkStaticScopes(catalogue, config), [
      'SCOPES: spark-admin:brand_new_feature_read is not in the catalogue; it will be sent as written'
    ])
    assert.deepEqual(config.scopes, ['Identity:SCIM', 'spark-admin:brand_new_feature_read'])
  })

  test('spark:all with another spark:* scope stops start-up', () => {
    assert.throws(
      () => checkStaticScopes(catalogue, parseConfig({ MODE: 'static', SCOPES: 'spark:all spark:rooms_read' })),
      (err: ConfigError) => /spark:all already covers/.test(err.message)
    )
  })

  test('duplicates are removed, in order', () => {
    assert.deepEqual(parseConfig({ MODE: 'static', SCOPES: 'spark:kms, spark:all spark:kms' }).scopes, [
      'spark:kms',
      'spark:all'
    ])
  })

  test('suggestions find the closest catalogue id', () => {
    assert.equal(suggestScope(catalogue, 'spark_admin:people_read'), 'spark-admin:people_read')
    assert.equal(suggestScope(catalogue, 'totally-unrelated-words-here'), undefined)
  })
})

describe('the static-mode page', () => {
  test('lists the fixed scopes with descriptions and roles, and one Start button', async () => {
    const page = await pageOf({ MODE: 'static', SCOPES: 'spark-admin:people_read spark-admin:devices_write' })
    assert.equal(page.status, 200)
    assert.doesNotMatch(page.body, /type="checkbox" name="scope"/)
    assert.match(page.body, /spark-admin:people_read[\s\S]*Read your org&#x27;s company directory[\s\S]*Role: An admin/)
    assert.match(page.body, /spark-admin:devices_write[\s\S]*Role: Full admin/)
    assert.equal((page.body.match(/type="submit"/g) ?? []).length, 1)
  })

  test('the server ignores any scopes a browser posts, and the flow completes with the fixed ones', async () => {
    const app = await startApp({ MODE: 'static', SCOPES: 'spark-admin:people_read' })
    const browser = new Browser()
    const { start, final } = await runFlow(browser, app.url, ['spark:all', 'spark-admin:organizations_write'])
    assert.equal(new URL(start.location ?? '').searchParams.get('scope'), 'spark-admin:people_read')
    assert.equal(final.status, 200)
    assert.match(final.body, /<code>spark-admin:people_read<\/code><\/td><td>Yes<\/td><td>Yes/)
    assert.doesNotMatch(final.body, /organizations_write/)
    // Even an empty post starts the fixed flow.
    const empty = await browser.fetch(`${app.url}/start`, { method: 'POST', form: {} })
    assert.equal(empty.status, 200)
    const back = await consent(browser, empty.location ?? '', 'admin')
    assert.equal(back.status, 302)
    await browser.close()
    await app.close()
  })

  test("invalid_scope over scopes of two roles shows each group's SCOPES line, since the page cannot change them", async () => {
    const app = await startApp({ MODE: 'static', SCOPES: 'spark-admin:people_read spark-compliance:messages_read' })
    const browser = new Browser()
    const { final } = await runFlow(browser, app.url, [], 'compliance')
    assert.equal(final.status, 403)
    assert.match(final.body, /These scopes need 2 different roles/)
    assert.match(final.body, /<code class="retry-env">SCOPES="spark-compliance:messages_read"<\/code>/)
    assert.match(final.body, /<code class="retry-env">SCOPES="spark-admin:people_read"<\/code>/)
    assert.doesNotMatch(final.body, /retry-group/)
    await browser.close()
    await app.close()
  })
})
