// The tokens page: Reveal and Copy for each token, the live countdown, and the downloads
// (.env and JSON from src/oauth/token-file.ts, the same files as the CLI's --format env|json,
// and an .ics reminder). Everything is made in the browser; nothing is stored on the server.
import { toEnvFile, toJsonFile, type TokenRecord, type TokenRecordMeta } from '../oauth/token-file.ts'
import { expiryStage, remaining } from './countdown.ts'
import { reminderIcs } from './ics.ts'
import { all, byId, copyOnClick } from './dom.ts'

export function setupCopyButtons (): void {
  const status = byId('copy-status', HTMLElement)
  for (const button of all(document, 'button.copy', HTMLButtonElement)) {
    const field = byId(button.dataset.copy ?? '', HTMLInputElement)
    if (field === undefined) continue
    const label = field.labels?.[0]?.textContent ?? 'Token'
    button.hidden = false
    copyOnClick(button, status, {
      text: () => field.value,
      copied: `${label} copied to the clipboard`,
      blocked: 'Press Ctrl+C',
      blockedStatus: `Copy was blocked: the ${label} is selected, press Ctrl+C`,
      onBlocked: () => field.select()
    })
  }
}

/** Copy buttons for text the page shows shortened (a grant id): the whole text is in data-copy-text. */
export function setupCopyText (): void {
  const status = byId('copy-status', HTMLElement)
  for (const button of all(document, 'button.copy-text', HTMLButtonElement)) {
    const text = button.dataset.copyText ?? ''
    button.hidden = false
    copyOnClick(button, status, {
      text: () => text,
      copied: 'Copied to the clipboard',
      blocked: 'Copy blocked',
      blockedStatus: `Copy was blocked: the whole id is ${text}`
    })
  }
}

export function setupReveal (): void {
  for (const button of all(document, 'button.reveal', HTMLButtonElement)) {
    const field = byId(button.dataset.reveal ?? '', HTMLInputElement)
    if (field === undefined) continue
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

export function setupCountdown (): void {
  const element = document.querySelector<HTMLElement>('[data-countdown]')
  if (element === null) return
  const at = Date.parse(element.dataset.countdown ?? '')
  const live = document.createElement('span')
  live.className = 'visually-hidden'
  live.setAttribute('aria-live', 'polite')
  element.after(live)
  element.setAttribute('role', 'timer')
  let announced = ''
  const tick = () => {
    const left = at - Date.now()
    element.textContent = remaining(left)
    const stage = expiryStage(left)
    if (stage !== announced) {
      announced = stage
      live.textContent = stage
    }
    if (left > 0) setTimeout(tick, 1000 - (Date.now() % 1000))
  }
  tick()
}

/** The token record: the page's fields for the tokens, the rest from the section's data-record. */
function recordFromPage (section: HTMLElement): TokenRecord {
  const meta = JSON.parse(section.dataset.record ?? '{}') as TokenRecordMeta
  const refresh = byId('refresh-token', HTMLInputElement)
  const id = byId('id-token', HTMLInputElement)
  return {
    ...meta,
    access_token: byId('access-token', HTMLInputElement)?.value ?? '',
    refresh_token: refresh?.value,
    ...(id === undefined ? {} : { id_token: id.value })
  }
}

function download (name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

export function setupDownloads (): void {
  const section = byId('tokens', HTMLElement)
  const actions = byId('token-actions', HTMLElement)
  if (section === undefined || actions === undefined) return
  const status = byId('copy-status', HTMLElement)
  actions.hidden = false
  const offer = (id: string, name: string, type: string, make: (record: TokenRecord) => string) => {
    byId(id, HTMLButtonElement)?.addEventListener('click', () => {
      try {
        download(name, type, make(recordFromPage(section)))
      } catch (err) {
        if (status !== undefined) {
          status.textContent = `The file could not be made: ${err instanceof Error ? err.message : 'unknown error'}`
        }
      }
    })
  }
  offer('download-env', 'webex.env', 'text/plain', toEnvFile)
  offer('download-json', 'webex.json', 'application/json', (record) => toJsonFile(record, Date.now()))
  offer('download-ics', 'renew-webex-refresh-token.ics', 'text/calendar', (record) =>
    reminderIcs(record.refresh_token_expires_at ?? '', Date.now(), crypto.randomUUID())
  )
}
