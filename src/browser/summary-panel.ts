// Where the scope page's "Your selection" panel sits, so that its Start button is never out of
// reach (app.css has the layout; this only adds what CSS cannot know).
// - Wide screens: the panel sticks beside the catalogue. When it is taller than the window, it
//   sticks by its bottom edge instead of its top, so the Start button stays on screen and the
//   top of the panel is reached by scrolling the page, never by scrolling inside the panel.
// - Narrow screens: the panel stays in the page, after the catalogue. A one-line bar pinned to
//   the bottom of the window names the selection and opens the panel; it hides while the
//   panel is on screen, so it never covers it.
import { byId } from './dom.ts'

const GAP_PX = 12

export function setupSummaryPanel (): void {
  const panel = document.querySelector<HTMLElement>('aside.summary')
  const bar = byId('summary-bar', HTMLElement)
  const open = byId('summary-bar-open', HTMLAnchorElement)
  if (panel === null) return

  const place = (): void => {
    const overflow = panel.offsetHeight + 2 * GAP_PX - window.innerHeight
    panel.style.setProperty('--summary-top', `${overflow > 0 ? GAP_PX - overflow : GAP_PX}px`)
  }
  new ResizeObserver(place).observe(panel)
  window.addEventListener('resize', place)
  place()

  if (bar === undefined || open === undefined) return
  bar.hidden = false
  new IntersectionObserver(([entry]) => {
    bar.classList.toggle('away', entry?.isIntersecting === true)
  }).observe(panel)
  open.addEventListener('click', (event) => {
    event.preventDefault()
    const heading = byId('summary-h', HTMLElement)
    panel.scrollIntoView({ block: 'start' })
    if (heading === undefined) return
    heading.tabIndex = -1
    heading.focus({ preventScroll: true })
  })
}
