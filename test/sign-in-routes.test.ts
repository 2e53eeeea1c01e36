// Each page owns its start route: the scope page POST /start, the Grants page POST /start/grants,
// the Service App page POST /start/service-app. Each begins a sign-in for its own scopes only,
// whatever else is posted; each is refused cross-site; and the callback hands the sign-in back
// to the page that started it (here its first step: the hand-off to Webex with the right scopes).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { appForSuite, Browser, consent, refreshTarget } from './helpers.ts'

const cases = [
  { path: '/start/grants', page: '/grants', scopes: ['identity:tokens_read', 'identity:tokens_write'], h1: 'Grants' },
  { path: '/start/service-app', page: '/service-app', scopes: ['spark:applications_token'], h1: 'Service App tokens' }
]

describe("the pages' own start routes", () => {
  const app = appForSuite()

  for (const c of cases) {
    test(`${c.page} posts to ${c.path}, which asks Webex for the page's scopes only and comes back to the page`, async () => {
      const browser = new Browser()
      const intro = await browser.fetch(`${app.url}${c.page}`)
      assert.match(intro.body, new RegExp(`<form method="post" action="${c.path}"`))
      const start = await browser.fetch(`${app.url}${c.path}`, {
        form: { account_choice: '1', scope: 'spark-admin:people_write', custom: 'spark:all' }
      })
      assert.equal(start.status, 200)
      const authorize = new URL(refreshTarget(start.body) ?? '')
      assert.deepEqual(authorize.searchParams.get('scope')?.split(' ').sort(), [...c.scopes].sort())
      const back = await consent(browser, start.location ?? '', 'admin')
      const page = await browser.fetch(back.location ?? '')
      assert.equal(page.status, 200)
      assert.match(page.body, new RegExp(`<h1>${c.h1}</h1>`))
    })

    test(`${c.path} refuses a cross-site post and a bad "sign in as" on the page's own form`, async () => {
      const browser = new Browser()
      const cross = await browser.fetch(`${app.url}${c.path}`, {
        form: { account_choice: '1' },
        headers: { 'sec-fetch-site': 'cross-site' }
      })
      assert.equal(cross.status, 403)
      const bad = await browser.fetch(`${app.url}${c.path}`, {
        form: { account_choice: '1', login_hint: 'not an email' }
      })
      assert.equal(bad.status, 400)
      assert.match(bad.body, /&quot;Sign in as&quot; must be one email address/)
      assert.match(bad.body, new RegExp(`<form method="post" action="${c.path}"`), "the page's own form, again")
    })
  }
})
