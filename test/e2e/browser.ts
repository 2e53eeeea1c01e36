// Debian's Chromium driven by playwright-core; never a downloaded browser.
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic'
]

/**
 * Why the browser tests cannot run, or undefined when they can. In CI a missing browser
 * is a failure; elsewhere the tests are skipped with this message.
 */
export function browserUnavailable (): string | undefined {
  if (existsSync(CHROMIUM)) return undefined
  const message = `Chromium is not installed at ${CHROMIUM}: the browser tests need Debian's package (apt-get install -y chromium).`
  if (process.env.CI === 'true') throw new Error(message)
  process.stderr.write(`\n*** SKIPPING BROWSER TESTS *** ${message}\n\n`)
  return message
}

export async function launch (): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS })
}
