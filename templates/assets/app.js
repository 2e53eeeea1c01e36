// Progressive enhancement only: every page works without this file.
'use strict'

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

function setupCounts () {
  const form = document.getElementById('scopes-form')
  if (!form) return
  const update = () => {
    for (const family of form.querySelectorAll('fieldset[data-family]')) {
      const boxes = family.querySelectorAll('input[type=checkbox][name=scope]')
      const ticked = [...boxes].filter((b) => b.checked).length
      const count = family.querySelector('.count')
      if (count) count.textContent = '(' + ticked + ' of ' + boxes.length + ' selected)'
    }
  }
  form.addEventListener('change', update)
  update()
}

document.addEventListener('DOMContentLoaded', () => {
  setupCopyButtons()
  setupCounts()
})
