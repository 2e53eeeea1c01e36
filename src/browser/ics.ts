// The calendar reminder to renew a refresh token before it expires (RFC 5545), made in the
// browser from the tokens page: a pure function, tested by node:test.

const DAY_MS = 86_400_000

/**
 * One all-day event three days before the refresh token expires (at least an hour from now),
 * with a display alarm. `uid` makes the event unique; the caller passes something random.
 */
export function reminderIcs (refreshExpiresAt: string, now: number, uid: string): string {
  const expires = new Date(refreshExpiresAt)
  const remind = new Date(Math.max(now + 3_600_000, expires.getTime() - 3 * DAY_MS))
  const stamp = (d: Date) =>
    d
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '')
  const day = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '')
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//webex-token-issuer//EN',
    'CALSCALE:GREGORIAN',
    'BEGIN:VEVENT',
    `UID:${stamp(new Date(now))}-${uid}@webex-token-issuer`,
    `DTSTAMP:${stamp(new Date(now))}`,
    `DTSTART;VALUE=DATE:${day(remind)}`,
    `DTEND;VALUE=DATE:${day(new Date(remind.getTime() + DAY_MS))}`,
    'SUMMARY:Renew the Webex refresh token',
    `DESCRIPTION:The Webex refresh token expires ${expires.toISOString()}. Renew it with webex-token-issuer (Renew page or the refresh command) before then.`,
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    'DESCRIPTION:Renew the Webex refresh token',
    'TRIGGER:-PT0M',
    'END:VALARM',
    'END:VEVENT',
    'END:VCALENDAR',
    ''
  ].join('\r\n')
}
