// Strings from Webex (an application's name, a display name, a user code, Webex's own words)
// reach the admin's terminal. Any integration's author chooses its name, so a name could carry
// escape sequences that retitle the window (OSC 0), clear the screen (CSI 2J), plant a link
// (OSC 8) or write the clipboard (OSC 52). Every control character, C0 and C1, and every
// bidirectional override is shown as a visible escape instead, before it reaches a terminal.

/** C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- finding control characters is this module's job
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
/** The same, and newline and tab too: for one-line fields. */
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_INLINE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

function visible (char: string): string {
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** Text as a terminal may show it: controls as visible escapes (\x1b, \u202e); newlines kept unless `inline`. */
export function terminalSafe (text: string, inline = false): string {
  return text.replace(inline ? UNSAFE_INLINE : UNSAFE, visible)
}

/**
 * JSON text for a terminal or a pipe: JSON.stringify already escapes C0 controls, but not C1
 * controls or bidi overrides; they become \u escapes, which parse back to the same data.
 */
export function jsonSafe (json: string): string {
  return json.replace(
    /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}
