// Progressive enhancement only: every page works without this file.
'use strict'

const SCOPE_PATTERN = /^(?:[a-z][a-z0-9-]*:[a-z0-9_]+|openid|email|profile)$/
const ADMIN_ROLES = new Set(['admin', 'full_admin', 'partner_admin', 'calling_cdr_admin', 'pro_pack_admin'])

function setupCopyButtons () {
  const status = document.getElementById('copy-status')
  for (const button of document.querySelectorAll('button.copy')) {
    button.hidden = false
    button.addEventListener('click', async () => {
      const field = document.getElementById(button.dataset.copy)
      const label = field.labels[0] ? field.labels[0].textContent : 'Token'
      try {
        await navigator.clipboard.writeText(field.value)
        button.textContent = 'Copied'
        if (status) status.textContent = label + ' copied to the clipboard'
      } catch {
        field.select()
        button.textContent = 'Press Ctrl+C'
        if (status) status.textContent = 'Copy was blocked: the ' + label + ' is selected, press Ctrl+C'
      }
      setTimeout(() => { button.textContent = 'Copy' }, 2500)
    })
  }
}

/** What the selection needs and risks, as the server's rules say (webex-oauth.md §5). */
function selectionWarnings (boxes, custom) {
  const ids = boxes.map((b) => b.value).concat(custom.filter((c) => SCOPE_PATTERN.test(c)))
  const warnings = []
  if (ids.includes('spark:all')) {
    const conflicts = ids.filter((s) => s.startsWith('spark:') && s !== 'spark:all' && s !== 'spark:kms')
    if (conflicts.length > 0) warnings.push({ level: 'error', text: 'spark:all already covers every spark:* user scope: remove ' + conflicts.join(', ') + ' or spark:all, or Webex and this app will refuse the request.' })
  }
  const groups = new Map()
  for (const b of boxes) {
    const role = b.dataset.role
    const group = ADMIN_ROLES.has(role) ? 'an admin role' : role === 'compliance_officer' ? 'the Compliance Officer role' : role === 'meeting_admin' ? 'the meeting admin role' : null
    if (group) groups.set(group, true)
  }
  if (groups.size > 1) warnings.push({ level: 'warn', text: 'This selection needs several roles: ' + [...groups.keys()].join(' and ') + '. The user who signs in must hold all of them.' })
  const writes = boxes.filter((b) => b.dataset.write === 'true').map((b) => b.value)
  if (writes.length > 0) warnings.push({ level: 'warn', text: writes.length + ' write scope' + (writes.length > 1 ? 's' : '') + ' (' + writes.join(', ') + '): the token can change things, not only read them.' })
  const bad = custom.filter((c) => !SCOPE_PATTERN.test(c))
  if (bad.length > 0) warnings.push({ level: 'error', text: 'Not a scope id: ' + bad.join(', ') })
  const unlisted = custom.filter((c) => SCOPE_PATTERN.test(c))
  if (unlisted.length > 0) warnings.push({ level: 'info', text: 'Not in catalogue: ' + unlisted.join(', ') })
  return warnings
}

function setupScopePicker () {
  const form = document.getElementById('scopes-form')
  const customField = document.getElementById('custom-scopes')
  if (!form || !customField) return
  const allBoxes = [...form.querySelectorAll('input[type=checkbox][name=scope]')]
  const summaryCount = document.getElementById('summary-count')
  const summaryString = document.getElementById('summary-string')
  const summaryLabel = document.getElementById('summary-string-label')
  const warningsList = document.getElementById('summary-warnings')

  function update () {
    for (const family of form.querySelectorAll('fieldset[data-family]')) {
      const boxes = family.querySelectorAll('input[type=checkbox][name=scope]')
      const ticked = [...boxes].filter((b) => b.checked).length
      family.querySelector('.count').textContent = '(' + ticked + ' of ' + boxes.length + ' selected)'
    }
    const checked = allBoxes.filter((b) => b.checked)
    const custom = customField.value.split(/[\s,]+/).filter((s) => s !== '')
    const ids = [...new Set(checked.map((b) => b.value).concat(custom))]
    summaryCount.textContent = ids.length === 0 ? 'No scope selected yet.' : ids.length + ' scope' + (ids.length > 1 ? 's' : '') + ' selected.'
    summaryLabel.hidden = ids.length === 0
    summaryString.hidden = ids.length === 0
    summaryString.textContent = ids.join(' ')
    warningsList.replaceChildren(...selectionWarnings(checked, custom).map((w) => {
      const li = document.createElement('li')
      li.className = 'summary-' + w.level
      li.textContent = (w.level === 'error' ? 'Problem: ' : w.level === 'warn' ? 'Warning: ' : 'Note: ') + w.text
      return li
    }))
  }

  const search = form.querySelector('.search')
  const searchInput = document.getElementById('scope-search')
  const searchStatus = document.getElementById('search-status')
  search.hidden = false
  searchInput.addEventListener('input', () => {
    const words = searchInput.value.toLowerCase().split(/\s+/).filter((w) => w !== '')
    let shown = 0
    for (const family of form.querySelectorAll('fieldset[data-family]')) {
      let inFamily = 0
      for (const row of family.querySelectorAll('li.scope')) {
        const text = row.textContent.toLowerCase()
        const match = words.every((w) => text.includes(w))
        row.hidden = !match
        if (match) inFamily++
      }
      family.hidden = inFamily === 0
      shown += inFamily
    }
    searchStatus.textContent = words.length === 0 ? '' : shown === 0 ? 'No scope matches.' : shown + ' scope' + (shown > 1 ? 's' : '') + ' match.'
  })

  for (const button of form.querySelectorAll('button.select-all')) {
    button.hidden = false
    button.addEventListener('click', () => {
      const family = document.getElementById('family-' + button.dataset.family)
      const visible = [...family.querySelectorAll('li.scope:not([hidden]) input[name=scope]')]
      const all = visible.every((b) => b.checked)
      for (const box of visible) box.checked = !all
      update()
    })
  }

  for (const link of document.querySelectorAll('a.preset')) {
    link.addEventListener('click', (event) => {
      event.preventDefault()
      const wanted = new Set(link.dataset.scopes.split(' '))
      for (const box of allBoxes) box.checked = wanted.has(box.value)
      customField.value = ''
      update()
      summaryCount.focus()
    })
  }
  summaryCount.tabIndex = -1
  form.addEventListener('change', update)
  customField.addEventListener('input', update)
  update()
}

function setupReveal () {
  for (const button of document.querySelectorAll('button.reveal')) {
    const field = document.getElementById(button.dataset.reveal)
    field.type = 'password'
    button.hidden = false
    button.addEventListener('click', () => {
      const reveal = field.type === 'password'
      field.type = reveal ? 'text' : 'password'
      button.textContent = reveal ? 'Mask' : 'Reveal'
      button.setAttribute('aria-pressed', String(reveal))
    })
  }
}

function remaining (ms) {
  if (ms <= 0) return 'expired'
  const s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n) => String(n).padStart(2, '0')
  return (d > 0 ? d + ' d ' : '') + pad(h) + ' h ' + pad(m) + ' min ' + pad(s % 60) + ' s left'
}

function setupCountdown () {
  const el = document.querySelector('[data-countdown]')
  if (!el) return
  const at = Date.parse(el.dataset.countdown)
  const live = document.createElement('span')
  live.className = 'visually-hidden'
  live.setAttribute('aria-live', 'polite')
  el.after(live)
  el.setAttribute('role', 'timer')
  let announced = ''
  const tick = () => {
    const left = at - Date.now()
    el.textContent = remaining(left)
    const stage = left <= 0 ? 'The access token has expired.' : left <= 300000 ? 'The access token expires in less than 5 minutes.' : left <= 3600000 ? 'The access token expires in less than an hour.' : ''
    if (stage !== announced) { announced = stage; live.textContent = stage }
    if (left > 0) setTimeout(tick, 1000 - (Date.now() % 1000))
  }
  tick()
}

/** The tokens as the page shows them; the downloads are made here, nothing is stored on the server. */
function tokensFromPage () {
  const section = document.getElementById('tokens')
  const value = (id) => { const f = document.getElementById(id); return f ? f.value : undefined }
  const when = (id) => { const t = document.getElementById(id); return t ? t.getAttribute('datetime') : undefined }
  const scopes = section.dataset.scopes ? section.dataset.scopes.split(' ') : []
  return {
    access_token: value('access-token'),
    token_type: 'Bearer',
    expires_at: when('access-token-expiry'),
    refresh_token: value('refresh-token'),
    refresh_token_expires_at: when('refresh-token-expiry'),
    scope: scopes.join(' '),
    scopes,
    base_url: section.dataset.environment
  }
}

function quoteEnv (value) {
  // Single quotes are read literally by POSIX shells and dotenv alike; none of these values hold one.
  return "'" + String(value).replace(/'/g, '') + "'"
}

function envFile (t) {
  const lines = ['# Webex tokens from webex-token-issuer. Keep this file private (chmod 600).']
  const add = (k, v) => { if (v !== undefined && v !== null && v !== '') lines.push(k + '=' + quoteEnv(v)) }
  add('WEBEX_ACCESS_TOKEN', t.access_token)
  add('WEBEX_ACCESS_TOKEN_EXPIRES_AT', t.expires_at)
  add('WEBEX_REFRESH_TOKEN', t.refresh_token)
  add('WEBEX_REFRESH_TOKEN_EXPIRES_AT', t.refresh_token_expires_at)
  add('WEBEX_SCOPES', t.scope)
  add('WEBEX_BASE_URL', t.base_url)
  return lines.join('\n') + '\n'
}

function icsFile (t) {
  const expires = new Date(t.refresh_token_expires_at)
  const remind = new Date(Math.max(Date.now() + 3600000, expires.getTime() - 3 * 86400000))
  const stamp = (d) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  const day = (d) => d.toISOString().slice(0, 10).replace(/-/g, '')
  const next = new Date(remind.getTime() + 86400000)
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//webex-token-issuer//EN', 'CALSCALE:GREGORIAN', 'BEGIN:VEVENT',
    'UID:' + stamp(new Date()) + '-' + Math.random().toString(36).slice(2) + '@webex-token-issuer',
    'DTSTAMP:' + stamp(new Date()), 'DTSTART;VALUE=DATE:' + day(remind), 'DTEND;VALUE=DATE:' + day(next),
    'SUMMARY:Renew the Webex refresh token',
    'DESCRIPTION:The Webex refresh token expires ' + expires.toISOString() + '. Renew it with webex-token-issuer (Renew page or the refresh command) before then.',
    'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Renew the Webex refresh token', 'TRIGGER:-PT0M', 'END:VALARM',
    'END:VEVENT', 'END:VCALENDAR', ''
  ].join('\r\n')
}

function download (name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

function setupDownloads () {
  const actions = document.getElementById('token-actions')
  if (!actions) return
  actions.hidden = false
  document.getElementById('download-env').addEventListener('click', () => download('webex-tokens.env', 'text/plain', envFile(tokensFromPage())))
  document.getElementById('download-json').addEventListener('click', () => {
    const t = tokensFromPage()
    const json = { access_token: t.access_token, token_type: t.token_type, expires_at: t.expires_at, refresh_token: t.refresh_token, refresh_token_expires_at: t.refresh_token_expires_at, scope: t.scope, scopes: t.scopes, base_url: t.base_url }
    download('webex-tokens.json', 'application/json', JSON.stringify(json, null, 2) + '\n')
  })
  const ics = document.getElementById('download-ics')
  if (ics) ics.addEventListener('click', () => download('renew-webex-refresh-token.ics', 'text/calendar', icsFile(tokensFromPage())))
}

document.addEventListener('DOMContentLoaded', () => {
  setupCopyButtons()
  setupReveal()
  setupCountdown()
  setupDownloads()
  setupScopePicker()
})
