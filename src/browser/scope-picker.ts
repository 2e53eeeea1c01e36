// The scope page (GET /): per-family counts, search as you type, select-all, presets without
// a reload, and a live summary whose warnings come from the server's own rules
// (src/catalogue/rules.ts). Without this script the page is a plain form that works.
import {
  matchesWords,
  searchWords,
  selectionBar,
  selectionSummary,
  selectionWarnings,
  splitScopeText
} from '../catalogue/rules.ts'
import { all, byId, copyOnClick } from './dom.ts'
import { selectionLink } from '../web/links.ts'

const PREFIX = { error: 'Problem: ', warn: 'Warning: ', info: 'Note: ' } as const

export function setupScopePicker (): void {
  const form = byId('scopes-form', HTMLFormElement)
  const customField = byId('custom-scopes', HTMLInputElement)
  const summaryCount = byId('summary-count', HTMLElement)
  const summaryString = byId('summary-string', HTMLElement)
  const summaryLabel = byId('summary-string-label', HTMLElement)
  const warningsList = byId('summary-warnings', HTMLUListElement)
  if (
    form === undefined ||
    customField === undefined ||
    summaryCount === undefined ||
    summaryString === undefined ||
    summaryLabel === undefined ||
    warningsList === undefined
  ) {
    return
  }
  const tools = byId('summary-tools', HTMLElement)
  const shareLink = byId('share-link', HTMLAnchorElement)
  const copyButton = byId('copy-scopes', HTMLButtonElement)
  const copyStatus = byId('copy-status', HTMLElement)
  const barCount = byId('summary-bar-count', HTMLElement)
  if (copyButton !== undefined) {
    copyOnClick(copyButton, copyStatus, {
      text: () => summaryString.textContent ?? '',
      copied: 'Scope string copied to the clipboard',
      blocked: 'Copy blocked: select the string'
    })
  }
  const boxes = all(form, 'input[type=checkbox][name=scope]', HTMLInputElement)
  const families = all(form, 'fieldset[data-family]', HTMLFieldSetElement)

  function update (): void {
    for (const family of families) {
      const inFamily = all(family, 'input[type=checkbox][name=scope]', HTMLInputElement)
      const ticked = inFamily.filter((b) => b.checked).length
      const count = family.querySelector('.count')
      if (count !== null) count.textContent = `(${ticked} of ${inFamily.length} selected)`
      const navCount = document.querySelector(`[data-nav-count-for="${family.dataset.family ?? ''}"]`)
      if (navCount !== null) {
        navCount.textContent = ticked === 0 ? `${inFamily.length}` : `${ticked} of ${inFamily.length}`
      }
    }
    const checked = boxes.filter((b) => b.checked)
    const custom = splitScopeText(customField?.value)
    const summary = selectionSummary([...checked.map((b) => b.value), ...custom])
    if (
      summaryCount === undefined ||
      summaryString === undefined ||
      summaryLabel === undefined ||
      warningsList === undefined
    ) {
      return
    }
    summaryCount.textContent = summary.count
    summaryLabel.hidden = summary.scopeString === ''
    summaryString.hidden = summary.scopeString === ''
    summaryString.textContent = summary.scopeString
    if (tools !== undefined) tools.hidden = summary.scopeString === ''
    // The same link the server builds for the way back from a refused sign-in (src/web/links.ts).
    if (shareLink !== undefined) shareLink.href = selectionLink(summary.scopeString.split(' '))
    const ticked = checked.map((b) => ({
      id: b.value,
      role: b.dataset.role ?? '',
      write: b.dataset.write === 'true',
      inSparkAll: b.dataset.inSparkAll === 'true',
      deprecated: b.dataset.deprecated,
      serviceAppOnly: b.dataset.serviceAppOnly === 'true'
    }))
    const warnings = selectionWarnings(ticked, custom)
    if (barCount !== undefined) barCount.textContent = selectionBar(summary.size, warnings)
    warningsList.replaceChildren(
      ...warnings.map((w) => {
        const li = document.createElement('li')
        li.className = `summary-${w.level}`
        li.textContent = PREFIX[w.level] + w.text
        return li
      })
    )
  }

  const search = form.querySelector<HTMLElement>('.search')
  const searchInput = byId('scope-search', HTMLInputElement)
  const searchStatus = byId('search-status', HTMLElement)
  if (search !== null && searchInput !== undefined && searchStatus !== undefined) {
    search.hidden = false
    // Each row's text is read once: a keystroke then only compares strings and touches the
    // rows whose visibility changes (bench: "search keystroke" in `npm run bench`).
    const index = families.map((family) => ({
      family,
      rows: all(family, 'li.scope', HTMLLIElement).map((row) => ({ row, text: (row.textContent ?? '').toLowerCase() }))
    }))
    searchInput.addEventListener('input', () => {
      const words = searchWords(searchInput.value)
      let shown = 0
      for (const { family, rows } of index) {
        let inFamily = 0
        for (const { row, text } of rows) {
          const match = matchesWords(text, words)
          if (row.hidden === match) row.hidden = !match
          if (match) inFamily++
        }
        if (family.hidden !== (inFamily === 0)) family.hidden = inFamily === 0
        shown += inFamily
      }
      searchStatus.textContent =
        words.length === 0 ? '' : shown === 0 ? 'No scope matches.' : `${shown} scope${shown > 1 ? 's' : ''} match.`
    })
  }

  for (const button of all(form, 'button.select-all', HTMLButtonElement)) {
    button.hidden = false
    button.addEventListener('click', () => {
      const family = document.getElementById(`family-${button.dataset.family ?? ''}`)
      if (family === null) return
      const visible = all(family, 'li.scope:not([hidden]) input[name=scope]', HTMLInputElement)
      const allTicked = visible.every((b) => b.checked)
      for (const box of visible) box.checked = !allTicked
      update()
    })
  }

  for (const link of all(document, 'a.preset', HTMLAnchorElement)) {
    link.addEventListener('click', (event) => {
      event.preventDefault()
      const wanted = new Set((link.dataset.scopes ?? '').split(' '))
      for (const box of boxes) box.checked = wanted.has(box.value)
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
