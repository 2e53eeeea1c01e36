// Opens the system browser with `open`, loaded only when a browser is to be opened. It is handed
// the launch file's file:// URL (src/cli/launch-file.ts), never a URL that signs in: this URL is
// in the command line of xdg-open and of the browser, which every user of the machine can read.
export async function openBrowser (url: string): Promise<void> {
  const { default: open } = await import('open')
  await open(url, { wait: false })
}
