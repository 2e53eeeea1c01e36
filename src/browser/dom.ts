// Small typed look-ups for the page scripts: an element that must be there, or undefined.

export function byId<T extends HTMLElement> (id: string, type: new () => T): T | undefined {
  const element = document.getElementById(id)
  return element instanceof type ? element : undefined
}

export function all<T extends Element> (root: ParentNode, selector: string, type: new () => T): T[] {
  return [...root.querySelectorAll(selector)].filter((e): e is T => e instanceof type)
}
