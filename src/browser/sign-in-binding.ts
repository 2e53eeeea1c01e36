// The browser's half of binding a sign-in to the browser that started it (src/web/browser-binding.ts):
// the hand-off page keeps the flow's binder in this origin's localStorage, and the callback's page
// hands it back with the code. A page on another port or site can set cookies for this host, but
// not this origin's storage.

const STORE = 'wti-sign-ins'
/** A sign-in's binder is kept as long as its flow lives (10 minutes), and at most this many. */
const KEEP_MS = 10 * 60 * 1000
const KEEP_MAX = 10

export type Binders = Record<string, { binder: string, at: number }>

/** The binders kept, with `state`'s added and the stale or surplus ones dropped. Pure. */
export function withBinder (kept: Binders, state: string, binder: string, now: number): Binders {
  const fresh = Object.entries({ ...kept, [state]: { binder, at: now } })
    .filter(([, entry]) => now - entry.at < KEEP_MS)
    .sort(([, a], [, b]) => b.at - a.at)
    .slice(0, KEEP_MAX)
  return Object.fromEntries(fresh)
}

/** The binders kept in storage; anything unreadable is none. */
export function readBinders (text: string | null): Binders {
  try {
    const parsed: unknown = JSON.parse(text ?? '{}')
    if (typeof parsed !== 'object' || parsed === null) return {}
    const out: Binders = {}
    for (const [state, entry] of Object.entries(parsed as Record<string, unknown>)) {
      const { binder, at } = (entry ?? {}) as { binder?: unknown, at?: unknown }
      if (typeof binder === 'string' && typeof at === 'number') out[state] = { binder, at }
    }
    return out
  } catch {
    return {}
  }
}

/** The hand-off page: keep this sign-in's binder before the page goes on to Webex. */
export function setupHandOff (): void {
  const link = document.getElementById('continue')
  const state = link?.dataset.state
  const binder = link?.dataset.binder
  if (state === undefined || binder === undefined || state === '' || binder === '') return
  const kept = readBinders(localStorage.getItem(STORE))
  localStorage.setItem(STORE, JSON.stringify(withBinder(kept, state, binder, Date.now())))
}

/**
 * The callback's page: hand the code back with this sign-in's binder, at once. With no binder
 * here the sign-in was started elsewhere, and the page says so instead of a button. Where storage
 * cannot be used at all, the button stays: a person's click is the proof then, as without script.
 */
export function setupFinishSignIn (): void {
  const form = document.getElementById('finish-sign-in')
  if (!(form instanceof HTMLFormElement)) return
  const state = form.dataset.state ?? ''
  let kept: Binders
  try {
    kept = readBinders(localStorage.getItem(STORE))
  } catch {
    return
  }
  const entry = kept[state]
  form.hidden = true
  if (entry === undefined) {
    const refusal = document.getElementById('not-this-browser')
    if (refusal !== null) refusal.hidden = false
    const heading = document.querySelector('main h1')
    if (heading !== null) heading.textContent = 'Sign-in stopped'
    return
  }
  const { [state]: _used, ...rest } = kept
  localStorage.setItem(STORE, JSON.stringify(rest))
  const field = form.elements.namedItem('binder')
  if (field instanceof HTMLInputElement) field.value = entry.binder
  form.submit()
}
