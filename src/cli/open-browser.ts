// Opens the system browser with `open`. Kept out of the CLI bundle: `open` is an ES module
// that finds its own xdg-open script beside itself, so it is imported from node_modules.
export async function openBrowser (url: string): Promise<void> {
  const { default: open } = await import('open')
  await open(url, { wait: false })
}
