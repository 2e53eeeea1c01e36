// The scope page's view model (src/web/home-view.ts), as pure functions of the catalogue and the
// configuration: no server, no socket.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadCatalogue } from '../src/catalogue/index.ts'
import { parseConfig } from '../src/config/index.ts'
import { SCOPES_DIR } from '../src/paths.ts'
import { catalogueJson, homeView, importAuthorizeUrl, sortIds } from '../src/web/home-view.ts'

const catalogue = loadCatalogue(SCOPES_DIR)

test('an authorize URL pasted from the portal: its catalogue scopes, other ids kept aside, a typo pointed out', () => {
  const url = `https://webexapis.com/v1/authorize?client_id=C1&response_type=code&scope=${encodeURIComponent(
    'spark-admin:people_read spark-admin:peple_read custom:thing_read <bad>'
  )}`
  const selection = importAuthorizeUrl(catalogue, url)
  assert.deepEqual(selection.scopes, ['spark-admin:people_read'])
  assert.deepEqual(selection.custom, ['spark-admin:peple_read', 'custom:thing_read'])
  assert.deepEqual(selection.unknown, ['<bad>'])
  assert.match(selection.notice ?? '', /^Imported 1 scope from the URL\./)
  assert.deepEqual(selection.typos, ['spark-admin:peple_read is not in the catalogue, and looks like a typo of spark-admin:people_read'])
  assert.match(importAuthorizeUrl(catalogue, 'not a url').problem ?? '', /not a URL/)
  assert.equal(importAuthorizeUrl(catalogue, 'https://x.example/authorize').problem, 'That URL has no scope parameter.')
})

test('a shared ?scopes= list is sorted into catalogue ids, pattern-valid others and the rest, duplicates dropped', () => {
  assert.deepEqual(sortIds(catalogue, 'spark-admin:people_read, spark-admin:people_read x:y_read ???'), {
    known: ['spark-admin:people_read'],
    custom: ['x:y_read'],
    unknown: ['???']
  })
})

test('the view ticks exactly the selected rows, and static mode counts its fixed scopes in words', () => {
  const dynamic = homeView(catalogue, parseConfig({}), { scopes: ['spark-admin:people_read'] })
  const rows = JSON.stringify(dynamic)
  assert.equal((rows.match(/"checked":true/g) ?? []).length, 1)
  const fixed = homeView(catalogue, parseConfig({ MODE: 'static', SCOPES: 'spark-admin:people_read nope:thing_read' }), { scopes: [] })
  assert.equal(fixed.fixedCount, '2 fixed scopes')
  assert.equal(fixed.fixed?.length, 2)
  assert.equal(fixed.fixed?.[1]?.description, 'Not in the catalogue: sent to Webex as written.')
})

test('the catalogue JSON for scripts holds every scope and preset', () => {
  const json = JSON.parse(catalogueJson(catalogue)) as { scopes: unknown[], presets: unknown[], families: unknown[] }
  assert.equal(json.scopes.length, catalogue.scopes.length)
  assert.equal(json.presets.length, catalogue.presets.length)
  assert.ok(json.families.length >= 10)
})
