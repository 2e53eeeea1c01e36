// The catalogue data, its validation, the selection rules (property-based), presets,
// authorize-URL import and /scopes.json.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CatalogueError, loadCatalogue, parseCatalogue, SCOPE_PATTERN } from '../src/catalogue/index.ts'
import { checkSelection, selectionWarnings, sparkAllConflicts } from '../src/catalogue/rules.ts'
import { scopeListProblems } from '../src/catalogue/static-scopes.ts'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { parseConfig } from '../src/config/index.ts'
import { SCOPES_DIR } from '../src/paths.ts'
import { request } from 'undici'
import { fuzzSeed, LogCapture, refreshTarget, startApp } from './helpers.ts'

const catalogue = loadCatalogue(SCOPES_DIR)

const good = {
  id: 'spark-admin:people_read',
  family: 'admin',
  description: 'Read people',
  access: 'read',
  role: 'admin',
  who: 'admin',
  risk: [],
  source: 'test'
}
/** A form posted to /start from the scope page itself (same-origin), in process. */
function postStart (app: FastifyInstance, payload: string) {
  return app.inject({
    method: 'POST',
    url: '/start',
    payload,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' }
  })
}

const coveredBySparkAll = (id: string) => catalogue.byId.get(id)?.inSparkAll === true
function parseOne (entry: object, extra: object[] = []) {
  return parseCatalogue([{ name: 'admin.json', text: JSON.stringify({ scopes: [entry, ...extra] }) }])
}
function rejects (fn: () => unknown, message: RegExp) {
  assert.throws(fn, (err: unknown) => err instanceof CatalogueError && message.test(err.message))
}

describe('the catalogue data', () => {
  test('holds at least 160 scopes in ten families, each confirmed by a named source', () => {
    assert.ok(catalogue.scopes.length >= 160, `${catalogue.scopes.length} scopes`)
    assert.equal(catalogue.families.length, 10)
    for (const id of [
      'spark-admin:people_read',
      'spark-compliance:messages_read',
      'audit:events_read',
      'analytics:read_all',
      'spark:all',
      'openid',
      'phone',
      'address',
      'cjp:config_read',
      'guest-issuer:write',
      'spark:webrtc_calling'
    ]) { assert.ok(catalogue.byId.has(id), id) }
    for (const scope of catalogue.scopes) assert.match(scope.source, /\S{6,}/, scope.id)
  })

  test('keeps the case of capitalised ids: Identity:contact, not the misspelt identity:contact', () => {
    for (const id of [
      'Identity:SCIM',
      'Identity:contact',
      'Identity:Config',
      'Identity:Organization',
      'Identity:one_time_password'
    ]) { assert.ok(catalogue.byId.has(id), id) }
    assert.equal(catalogue.byId.has('identity:contact'), false)
    assert.ok(catalogue.byId.has('identity:one_time_password'), 'the lower-case form is a scope of its own')
  })

  test('marks the deprecated admin message scopes, and records what spark:all covers', () => {
    assert.match(catalogue.byId.get('spark-admin:messages_read')?.deprecated ?? '', /spark-compliance:messages_read/)
    assert.equal(catalogue.byId.get('spark-compliance:messages_read')?.deprecated, undefined)
    assert.equal(coveredBySparkAll('spark:messages_read'), true)
    for (const id of ['spark:kms', 'spark:xapi_commands', 'spark:xapi_statuses', 'spark-admin:people_read']) {
      assert.equal(coveredBySparkAll(id), false, id)
    }
  })

  test('corrections from the sources: people scopes beside spark:all, the two one-time-password scopes, Service-App-only scopes, new scopes', () => {
    // spark:people_read and _write are not covered by spark:all: wxc_sdk requests them beside it.
    assert.equal(
      checkSelection(catalogue, { ticked: ['spark:all', 'spark:people_read', 'spark:people_write'] }).ok,
      true
    )
    const otp = catalogue.byId.get('Identity:one_time_password')
    assert.match(otp?.description ?? '', /partner-upn/)
    assert.equal(otp?.role, 'user_admin')
    assert.match(otp?.who ?? '', /org full admin, partner full admin, org user admin/)
    assert.match(catalogue.byId.get('identity:one_time_password')?.description ?? '', /activation codes/)
    for (const id of [
      'spark-admin:datasource_read',
      'spark-admin:datasource_write',
      'spark:webrtc_calling',
      'guest-issuer:read',
      'guest-issuer:write'
    ]) { assert.equal(catalogue.byId.get(id)?.serviceAppOnly, true, id) }
    assert.equal(catalogue.scopes.filter((s) => s.serviceAppOnly === true).length, 5, 'no other scope is marked')
    for (const id of [
      'spark:mcp',
      'spark:webhooks_read',
      'spark:webhooks_write',
      'spark-admin:wholesale_sub_partners_read'
    ]) { assert.match(catalogue.byId.get(id)?.source ?? '', /\S{10,}/, id) }
    // One role for spark:applications_token: the catalogue's, which the emulator enforces (test/service-app.test.ts).
    assert.equal(catalogue.byId.get('spark:applications_token')?.role, 'admin')
  })

  test("a Service-App-only scope in a person's selection is warned about on the page, in SCOPES and in --scopes", () => {
    const warned = selectionWarnings(
      [{ id: 'spark:webrtc_calling', role: 'any_user', write: true, serviceAppOnly: true }],
      []
    )
    assert.ok(
      warned.some(
        (w) => w.level === 'warn' && /spark:webrtc_calling is documented for Service App tokens only/.test(w.text)
      )
    )
    assert.equal(
      selectionWarnings([{ id: 'spark:kms', role: 'any_user', write: false }], []).some((w) =>
        /Service App/.test(w.text)
      ),
      false
    )
    const { warnings } = scopeListProblems(catalogue, ['guest-issuer:write', 'spark:kms'], '--scopes', false)
    assert.ok(
      warnings.some((w) => /^--scopes: guest-issuer:write is documented for Service App tokens only/.test(w)),
      warnings.join('\n')
    )
  })

  test('the spark:all rule refuses only what spark:all covers', () => {
    assert.equal(checkSelection(catalogue, { ticked: ['spark:all', 'spark:kms', 'spark:xapi_commands'] }).ok, true)
    const refused = checkSelection(catalogue, { ticked: ['spark:all', 'spark:messages_read'] })
    assert.equal(refused.ok, false)
    assert.match(refused.ok ? '' : refused.reason, /spark:all already covers spark:messages_read/)
  })

  test('a capitalised custom id passes the selection check verbatim', () => {
    const result = checkSelection(catalogue, { ticked: [], custom: ['Identity:NewThing_read'] })
    assert.deepEqual(result.ok ? result.scopes : [], ['Identity:NewThing_read'])
  })

  test('marks risky scopes: org-wide writes, message content and spark:all', () => {
    assert.ok(catalogue.byId.get('spark:all')?.risk.includes('spark_all'))
    assert.ok(catalogue.byId.get('spark-compliance:messages_read')?.risk.includes('message_content'))
    assert.ok(catalogue.byId.get('spark-admin:people_write')?.risk.includes('org_wide_write'))
    assert.equal(catalogue.byId.get('spark-compliance:messages_read')?.role, 'compliance_officer')
  })

  test('every preset names only known scopes', () => {
    assert.ok(catalogue.presets.length >= 7)
    for (const preset of catalogue.presets) for (const id of preset.scopes) assert.ok(catalogue.byId.has(id))
  })
})

describe('a bad catalogue file stops start-up with a message naming the file and the entry', () => {
  test('a duplicate id', () =>
    rejects(() => parseOne(good, [good]), /^scopes\/admin\.json: entry "spark-admin:people_read": duplicate id/))
  test('an unknown family', () =>
    rejects(
      () => parseOne({ ...good, family: 'bogus' }),
      /^scopes\/admin\.json: entry "spark-admin:people_read": unknown family/
    ))
  test('a missing description', () => {
    const { description: _omit, ...rest } = good
    rejects(() => parseOne(rest), /^scopes\/admin\.json: entry "spark-admin:people_read": missing description/)
    rejects(() => parseOne({ ...good, description: '  ' }), /missing description/)
  })
  test('a malformed id', () =>
    rejects(
      () => parseOne({ ...good, id: 'Spark Admin:People' }),
      /^scopes\/admin\.json: entry "Spark Admin:People": malformed id/
    ))
  test('not JSON', () =>
    rejects(() => parseCatalogue([{ name: 'x.json', text: '{' }]), /^scopes\/x\.json: not valid JSON/))
  test('a preset naming an unknown scope', () =>
    rejects(
      () =>
        parseCatalogue([
          { name: 'admin.json', text: JSON.stringify({ scopes: [good] }) },
          {
            name: 'presets.json',
            text: JSON.stringify({ presets: [{ id: 'p', name: 'P', purpose: 'x', scopes: ['spark-admin:nope'] }] })
          }
        ]),
      /^scopes\/presets\.json: preset "p": unknown scope spark-admin:nope/
    ))
})

describe('the selection rules', () => {
  const ids = catalogue.scopes.map((s) => s.id)
  const known = fc.constantFrom(...ids)
  const patterned = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}:[a-z0-9_]{1,20}$/)
  const anything = fc.oneof(
    known,
    patterned,
    fc.string({ maxLength: 30 }),
    fc.constantFrom('spark:all', 'spark:kms', 'spark:rooms_read')
  )

  test('anything accepted obeys spark:all and holds only catalogue or pattern-valid ids', (t) => {
    fc.assert(
      fc.property(fc.array(anything, { maxLength: 20 }), fc.array(anything, { maxLength: 6 }), (ticked, custom) => {
        const result = checkSelection(catalogue, { ticked, custom })
        if (!result.ok) return result.reason.length > 0
        return (
          result.scopes.length > 0 &&
          sparkAllConflicts(result.scopes, coveredBySparkAll).length === 0 &&
          result.scopes.every((s) => catalogue.byId.has(s) || SCOPE_PATTERN.test(s)) &&
          ticked.every((id) => catalogue.byId.has(id))
        )
      }),
      { numRuns: 500, seed: fuzzSeed(t) }
    )
  })

  test('any set of catalogue scopes without a spark:all conflict is accepted', (t) => {
    fc.assert(
      fc.property(fc.uniqueArray(known, { minLength: 1, maxLength: 30 }), (ticked) => {
        fc.pre(sparkAllConflicts(ticked, coveredBySparkAll).length === 0)
        return checkSelection(catalogue, { ticked }).ok
      }),
      { numRuns: 300, seed: fuzzSeed(t) }
    )
  })

  test('the server answers every rejected selection with a 400 page naming the reason, and every accepted one with a redirect', async (t) => {
    const app = await buildApp(parseConfig({ RATE_LIMIT_PER_MINUTE: '0' }), { catalogue, logStream: new LogCapture() })
    await fc.assert(
      fc.asyncProperty(
        fc.array(anything, { maxLength: 12 }),
        fc.array(patterned, { maxLength: 3 }),
        async (ticked, custom) => {
          const pairs: Array<[string, string]> = [
            ...ticked.map((id): [string, string] => ['scope', id]),
            ['custom', custom.join(' ')]
          ]
          // Typo suggestions aside (the next tests): the rules of checkSelection alone.
          const body = new URLSearchParams([...pairs, ['allow_unknown', 'on']]).toString()
          const res = await postStart(app, body)
          const result = checkSelection(catalogue, { ticked, custom })
          if (result.ok) {
            assert.equal(res.statusCode, 200)
            const scope = new URL(refreshTarget(res.body) ?? '').searchParams.get('scope') ?? ''
            assert.deepEqual(scope.split(' '), result.scopes)
            assert.equal(sparkAllConflicts(result.scopes, coveredBySparkAll).length, 0)
          } else {
            assert.equal(res.statusCode, 400)
            assert.match(res.body, /The selection cannot be used/)
            const reason = result.reason.replace(/&/g, '&amp;').replace(/"/g, '&quot;').slice(0, 20)
            assert.ok(res.body.includes(reason), `the page names the reason: ${result.reason}`)
          }
        }
      ),
      { numRuns: 200, seed: fuzzSeed(t) }
    )
    await app.close()
  })
})

describe('the scope page', () => {
  test('lists every scope as a labelled checkbox, grouped in fieldsets by family, inside a real form', async () => {
    const app = await buildApp(parseConfig({}), { catalogue, logStream: new LogCapture() })
    const res = await app.inject({ url: '/' })
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /<form method="post" action="\/start"/)
    assert.equal((res.body.match(/<fieldset class="family" id="family-/g) ?? []).length, catalogue.families.length + 1)
    for (const scope of catalogue.scopes) {
      const id = `scope-${scope.id.replace(':', '--')}`
      assert.ok(res.body.includes(`name="scope" value="${scope.id}" id="${id}"`), scope.id)
      assert.ok(res.body.includes(`<label for="${id}">`), scope.id)
    }
    assert.match(res.body, /Role: Compliance Officer/)
    assert.match(res.body, /Risk: Writes org-wide/)
    await app.close()
  })

  test('a preset link preselects its scopes without JavaScript', async () => {
    const app = await buildApp(parseConfig({}), { catalogue, logStream: new LogCapture() })
    const res = await app.inject({ url: '/?preset=compliance-read' })
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /value="spark-compliance:messages_read" id="[^"]+"[^>]* checked>/)
    assert.doesNotMatch(res.body, /value="spark-admin:people_read" id="[^"]+"[^>]* checked>/)
    assert.equal((await app.inject({ url: '/?preset=nope' })).statusCode, 404)
    await app.close()
  })

  test('SCOPES preselects boxes in dynamic mode', async () => {
    const app = await buildApp(parseConfig({ SCOPES: 'spark-admin:devices_read' }), {
      catalogue,
      logStream: new LogCapture()
    })
    const res = await app.inject({ url: '/' })
    assert.match(res.body, /value="spark-admin:devices_read" id="[^"]+"[^>]* checked>/)
    await app.close()
  })

  test('a pasted authorize URL imports its scopes and names the ones not in the catalogue', async () => {
    const app = await buildApp(parseConfig({}), { catalogue, logStream: new LogCapture() })
    const pasted =
      'https://webexapis.com/v1/authorize?client_id=C123&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Foauth&scope=spark-admin%3Apeople_read%20spark%3Akms%20spark-admin%3Abrand_new_read%20NOT%2FA%2FSCOPE&state=set_state_here'
    const res = await app.inject({ url: `/?import=${encodeURIComponent(pasted)}` })
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /Imported 2 scopes from the URL/)
    assert.match(res.body, /value="spark-admin:people_read" id="[^"]+"[^>]* checked>/)
    assert.match(res.body, /value="spark:kms" id="[^"]+"[^>]* checked>/)
    assert.match(res.body, /Not in the catalogue, added to &quot;Other scopes&quot;: spark-admin:brand_new_read/)
    assert.match(res.body, /name="custom" value="spark-admin:brand_new_read"/)
    assert.match(res.body, /<code>NOT\/A\/SCOPE<\/code>/)
    const bad = await app.inject({ url: '/?import=nonsense' })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /That is not a URL/)
    await app.close()
  })

  test('a link to a selection (/?scopes=) opens the page with it chosen: catalogue ids ticked, others in "Other scopes"; the app has an icon', async () => {
    const app = await buildApp(parseConfig({}), { catalogue, logStream: new LogCapture() })
    const page = await app.inject({
      url: '/?scopes=spark-admin%3Apeople_read%20spark-admin%3Abrand_new_read,NOT/A/SCOPE',
      headers: { host: 'localhost:8080' }
    })
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /value="spark-admin:people_read" id="scope-spark-admin--people_read"[^>]* checked/)
    assert.match(page.body, /id="custom-scopes"[^>]*value="spark-admin:brand_new_read"/)
    assert.match(page.body, /2 scopes selected from the link/)
    assert.doesNotMatch(page.body, /NOT\/A\/SCOPE/)
    const icon = await app.inject({ url: '/favicon.ico', headers: { host: 'localhost:8080' } })
    assert.equal(icon.statusCode, 200)
    assert.equal(icon.headers['content-type'], 'image/svg+xml')
    assert.match(page.body, /<link rel="icon" href="\/assets\/icon\.svg"/)
    await app.close()
  })

  test('a typo in "Other scopes" is refused with the suggestion, as SCOPES and --scopes refuse it; ticking "send as written" sends it', async () => {
    const app = await buildApp(parseConfig({ RATE_LIMIT_PER_MINUTE: '0' }), { catalogue, logStream: new LogCapture() })
    const typo = await postStart(app, 'scope=spark%3Akms&custom=spark-admin%3Apeople_raed')
    assert.equal(typo.statusCode, 400)
    assert.match(
      typo.body,
      /spark-admin:people_raed is not in the catalogue, and looks like a typo of spark-admin:people_read\. Fix it, or tick &quot;Send them as written&quot;/
    )
    assert.match(typo.body, /id="custom-scopes"[^>]*value="spark-admin:people_raed"/, 'what was typed is kept')
    const sent = await postStart(app, 'scope=spark%3Akms&custom=spark-admin%3Apeople_raed&allow_unknown=on')
    assert.equal(sent.statusCode, 200)
    assert.match(refreshTarget(sent.body) ?? '', /scope=spark%3Akms%20spark-admin%3Apeople_raed&/)
    await app.close()
  })

  test('a typo in an imported authorize URL or a shared link is pointed out as the page opens, kept under "Other scopes"', async () => {
    const app = await buildApp(parseConfig({ RATE_LIMIT_PER_MINUTE: '0' }), { catalogue, logStream: new LogCapture() })
    const url =
      'https://webexapis.com/v1/authorize?client_id=C1&scope=spark-admin%3Alicenses_read%20spark-admin%3Apeople_raed%20spark-admin%3Abrand_new_read'
    for (const path of [
      `/?import=${encodeURIComponent(url)}`,
      '/?scopes=spark-admin:licenses_read+spark-admin:people_raed+spark-admin:brand_new_read'
    ]) {
      const page = await app.inject({ url: path })
      assert.equal(page.statusCode, 200, path)
      const warning = /<div class="warn" role="status" id="typo-warning">([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? ''
      assert.match(
        warning,
        /spark-admin:people_raed is not in the catalogue, and looks like a typo of spark-admin:people_read/,
        path
      )
      assert.doesNotMatch(warning, /brand_new_read/, 'a genuinely new id is no typo')
      assert.match(page.body, /id="custom-scopes"[^>]*value="spark-admin:people_raed spark-admin:brand_new_read"/, path)
    }
    const clean = await app.inject({ url: '/?scopes=spark-admin:licenses_read+spark-admin:brand_new_read' })
    assert.doesNotMatch(clean.body, /typo-warning/)
    await app.close()
  })

  test('custom scope ids are accepted when they match the pattern, and refused otherwise', async () => {
    const app = await buildApp(parseConfig({}), { catalogue, logStream: new LogCapture() })
    const ok = await postStart(app, 'scope=spark-admin%3Apeople_read&custom=spark-admin%3Abrand_new_read')
    assert.equal(ok.statusCode, 200)
    assert.match(refreshTarget(ok.body) ?? '', /scope=spark-admin%3Apeople_read%20spark-admin%3Abrand_new_read&/)
    const bad = await postStart(app, 'custom=Not+A+Scope')
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /Not a scope id/)
    await app.close()
  })

  test('GET /scopes.json gives the catalogue and presets for scripts', async () => {
    const app = await buildApp(parseConfig({}), { catalogue, logStream: new LogCapture() })
    const res = await app.inject({ url: '/scopes.json' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /application\/json/)
    const body = res.json() as { scopes: Array<{ id: string }>, presets: unknown[], families: unknown[] }
    assert.equal(body.scopes.length, catalogue.scopes.length)
    assert.equal(body.presets.length, catalogue.presets.length)
    assert.equal(body.families.length, 10)
    await app.close()
  })
})

describe('the catalogue page and the assets', () => {
  const get = async (url: string, headers: Record<string, string>) => {
    const res = await request(url, { headers })
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) }
  }

  test('the page is rendered once and sent as it is, never cached by the browser without asking; assets revalidate by ETag', async () => {
    const app = await startApp()
    try {
      const first = await get(`${app.url}/`, { 'accept-encoding': 'gzip, deflate, br' })
      assert.equal(first.status, 200)
      assert.equal(
        first.headers['content-encoding'],
        undefined,
        'a loopback tool: no compression (docs/performance.md)'
      )
      assert.equal(first.headers['cache-control'], 'no-cache')
      assert.match(first.body.toString('utf8'), /spark-admin:people_read/)
      const second = await get(`${app.url}/`, {})
      assert.deepEqual(second.body, first.body)
      for (const path of ['/assets/app.css', '/assets/app.js', '/assets/icon.svg', '/favicon.ico']) {
        const asset = await get(`${app.url}${path}`, {})
        assert.equal(asset.status, 200, path)
        assert.equal(asset.headers['cache-control'], 'public, max-age=3600', path)
        const again = await get(`${app.url}${path}`, { 'if-none-match': String(asset.headers.etag) })
        assert.equal(again.status, 304, path)
      }
      for (const path of ['/assets/', '/assets/../package.json', '/assets/%2e%2e/package.json', '/assets/nope.js']) {
        assert.equal((await get(`${app.url}${path}`, {})).status, 404, path)
      }
    } finally {
      await app.close()
    }
  })
})
