// Opens the system browser with `open`, loaded only when a browser is to be opened.
export async function openBrowser (url: string): Promise<void> {
  const { default: open } = await import('open')
  await open(url, { wait: false })
}
