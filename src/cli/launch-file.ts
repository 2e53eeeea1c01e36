// The file `token` opens the browser on: a page whose meta refresh sends the browser on to the
// single-use launch link (/go/…). A command line (xdg-open's, the browser's) is readable by every
// user of the machine in `ps`, so the link itself is never in one; the file is the user's alone,
// mode 0600 in a fresh 0700 folder, and is deleted once the link is used or the command ends.
import { rmSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export interface LaunchFile {
  /** The file:// URL to hand the browser: it names only the file, never the link. */
  url: string
  /** Deletes the file and its folder; safe to call more than once. */
  remove: () => Promise<void>
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)
}

/**
 * The page: a meta refresh, and a link for a browser that does not follow one. No script: a
 * script and a refresh could both visit the link, and a second visit stops the sign-in.
 */
export function launchPage (launchUrl: string): string {
  const url = escapeHtml(launchUrl)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0; url=${url}">
<title>Webex sign-in</title>
</head>
<body>
<p>Opening the Webex sign-in… If nothing happens, <a href="${url}" rel="noreferrer">continue to the sign-in</a>.</p>
</body>
</html>
`
}

/** Writes the launch file for `launchUrl` in a new private folder under `parent` (the temporary folder). */
export async function writeLaunchFile (launchUrl: string, parent = tmpdir()): Promise<LaunchFile> {
  // mkdtemp makes the folder 0700 and the user's own, with a name no one else can choose first.
  const folder = await mkdtemp(join(parent, 'webex-token-issuer-'))
  const path = join(folder, 'sign-in.html')
  // Should the process end without reaching its clean-up (a second Ctrl-C exits at once).
  const onExit = () => {
    rmSync(folder, { recursive: true, force: true })
  }
  process.once('exit', onExit)
  const remove = async () => {
    process.off('exit', onExit)
    await rm(folder, { recursive: true, force: true })
  }
  try {
    await writeFile(path, launchPage(launchUrl), { mode: 0o600, flag: 'wx' })
  } catch (err) {
    await remove()
    throw err
  }
  return { url: pathToFileURL(path).href, remove }
}
