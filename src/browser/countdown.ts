// The tokens page's live countdown: pure functions, tested by node:test.

/** "13 d 23 h 59 min 58 s left", or "expired". */
export function remaining (ms: number): string {
  if (ms <= 0) return 'expired'
  const s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86_400)
  const h = Math.floor((s % 86_400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d > 0 ? `${d} d ` : ''}${pad(h)} h ${pad(m)} min ${pad(s % 60)} s left`
}

/** What a screen reader is told, only when it changes: under an hour, under five minutes, expired. */
export function expiryStage (ms: number): string {
  if (ms <= 0) return 'The access token has expired.'
  if (ms <= 5 * 60_000) return 'The access token expires in less than 5 minutes.'
  if (ms <= 3_600_000) return 'The access token expires in less than an hour.'
  return ''
}
