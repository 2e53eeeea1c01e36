// Ties a sign-in to the browser that started it. A flow cookie alone cannot: cookies do not keep
// the ports of a host apart, so a program on another port (or on localhost against 127.0.0.1,
// through a hop on another site that defeats Sec-Fetch-Site) can set its own genuine flow cookie
// and send the browser to the callback with its own code, signing the person in as someone
// else. Storage is kept per origin, so the hand-off page puts the flow's binder in this
// origin's localStorage, and the callback's page hands it back with the code: only a browser
// that started the sign-in on this origin has it. Without JavaScript the person confirms with
// a click instead (Sec-Fetch-User: ?1 on a same-origin form), which SECURITY.md states as the
// limit of that path.
import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * The binder of a flow's state: its HMAC under a key of its own, derived from the flow key (which
 * seals the cookies with AES-GCM and is used for nothing else), so nothing more is stored.
 */
export function binderOf (flowKey: Buffer, state: string): string {
  const key = createHmac('sha256', flowKey).update('webex-token-issuer browser binder key').digest()
  return createHmac('sha256', key).update(state).digest('base64url')
}

/** Whether `given` is the binder of `state`. */
export function binderMatches (key: Buffer, state: string, given: string): boolean {
  const expected = Buffer.from(binderOf(key, state))
  const actual = Buffer.from(given)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
