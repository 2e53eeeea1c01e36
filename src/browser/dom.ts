// Small typed look-ups for the page scripts: an element that must be there, or undefined.

export function byId<T extends HTMLElement> (id: string, type: new () => T): T | undefined {
  const element = document.getElementById(id)
  return element instanceof type ? element : undefined
}

export function all<T extends Element> (root: ParentNode, selector: string, type: new () => T): T[] {
  return [...root.querySelectorAll(selector)].filter((e): e is T => e instanceof type)
}

export interface CopyWords {
  /** The text to copy, read at the click. */
  text: () => string
  /** What the live region announces once copied. */
  copied: string
  /** What the button says when the browser blocked the copy, and what the live region says then. */
  blocked: string
  blockedStatus?: string
  /** What else to do when blocked (select the text, say). */
  onBlocked?: () => void
}

/** A Copy button: it says "Copied" (or how it was blocked) for 2.5 s, and `status`, a live region, announces it. */
export function copyOnClick (button: HTMLButtonElement, status: HTMLElement | undefined, words: CopyWords): void {
  const label = button.textContent
  button.addEventListener('click', () => {
    navigator.clipboard
      .writeText(words.text())
      .then(
        () => {
          button.textContent = 'Copied'
          if (status !== undefined) status.textContent = words.copied
        },
        () => {
          words.onBlocked?.()
          button.textContent = words.blocked
          if (status !== undefined && words.blockedStatus !== undefined) status.textContent = words.blockedStatus
        }
      )
      .finally(() =>
        setTimeout(() => {
          button.textContent = label
        }, 2500)
      )
  })
}
