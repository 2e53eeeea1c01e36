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
        const text = row.dataset.search.toLowerCase()
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

document.addEventListener('DOMContentLoaded', () => {
  setupCopyButtons()
  setupScopePicker()
})
