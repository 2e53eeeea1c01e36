// The words of the pages: no raw Markdown in preset hints,
// no "scope(s)", an invalid_scope page that points up to the scopes it lists above, and an icon.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Browser, pageOf, runFlow, startApp, unescapeHtml, type RunningApp } from './helpers.ts'

describe('the copy of the pages', () => {
  let app: RunningApp
  before(async () => { app = await startApp() })
  after(async () => { await app.close() })

  test('preset names and hints carry no Markdown backticks', async () => {
    const { body } = await pageOf({})
    const presets = /<ul class="preset-list">([\s\S]*?)<\/ul>/.exec(body)?.[1] ?? ''
    assert.ok(presets.includes('class="preset"'), 'the preset list is on the page')
    assert.doesNotMatch(unescapeHtml(presets), /`/)
  })

  test('static mode counts its fixed scopes in words: "1 fixed scope", "2 fixed scopes", never "scope(s)"', async () => {
    for (const [scopes, words] of [['spark-admin:people_read', '1 fixed scope.'], ['spark-admin:people_read spark-admin:licenses_read', '2 fixed scopes.']]) {
      const { body } = await pageOf({ MODE: 'static', SCOPES: scopes ?? '' })
      const summary = /<aside class="summary"[\s\S]*?<\/aside>/.exec(body)?.[0] ?? ''
      assert.ok(summary.includes(`<p>${words ?? ''}</p>`), summary.slice(0, 300))
      assert.doesNotMatch(body, /\(s\)/)
    }
  })

  test('the invalid_scope page lists the requested scopes above the advice that refers to them', async () => {
    const { final } = await runFlow(new Browser(), app.url, ['spark-admin:people_read'], 'user')
    assert.match(final.body, /data-kind="invalid_scope"/)
    const listed = final.body.indexOf('<code>spark-admin:people_read</code>')
    const advice = final.body.indexOf('listed above')
    assert.ok(listed > 0 && advice > listed, `scopes at ${listed}, "listed above" at ${advice}`)
    assert.doesNotMatch(final.body, /scopes below/)
  })
})
