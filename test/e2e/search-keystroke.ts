// `npm run bench`'s browser measure, kept here for the DOM types: one keystroke in the scope
// page's search, in Debian's Chromium: the time from the input event to the page being ready to paint
// (the handler, then style and layout, forced at once
// by reading a layout property), for every prefix of a few real searches typed and erased.
// This is the main-thread work that must fit in one frame; the wait for the next vsync is
// not the page's to shorten, so it is left out.
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { CHROMIUM, LAUNCH_ARGS } from './browser.ts'

const SEARCHES = ['people', 'compliance read', 'devices write', 'meeting', 'spark-admin:licenses']

/**
 * Median milliseconds per keystroke over `rounds` passes of the searches, or undefined without
 * Chromium. `cpuSlowdown` > 1 has Chromium slow its CPU as DevTools' throttling does.
 */
export async function searchKeystrokeMs (
  pageUrl: string,
  rounds: number,
  cpuSlowdown = 1
): Promise<number | undefined> {
  if (!existsSync(CHROMIUM)) return undefined
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(pageUrl)
    await page.waitForSelector('.search:not([hidden]) #scope-search')
    if (cpuSlowdown > 1) {
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuSlowdown })
    }
    const times = await page.evaluate(
      async ({ searches, rounds }) => {
        const input = document.getElementById('scope-search')
        if (!(input instanceof HTMLInputElement)) throw new Error('no search field')
        const typed: string[] = []
        for (const s of searches) {
          for (let i = 1; i <= s.length; i++) typed.push(s.slice(0, i))
          for (let i = s.length - 1; i >= 0; i--) typed.push(s.slice(0, i))
        }
        const out: number[] = []
        let layoutRead = 0
        for (let r = 0; r < rounds; r++) {
          for (const value of typed) {
            const t0 = performance.now()
            input.value = value
            input.dispatchEvent(new Event('input', { bubbles: true }))
            layoutRead += document.body.offsetHeight
            out.push(performance.now() - t0)
            // Let the frame happen, as between a person's keystrokes.
            await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
          }
        }
        if (layoutRead === 0) throw new Error('the page has no height')
        return out
      },
      { searches: SEARCHES, rounds }
    )
    times.sort((a, b) => a - b)
    return times[Math.floor(times.length / 2)]
  } finally {
    await browser.close()
  }
}
