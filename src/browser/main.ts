// The pages' script, loaded as a module by every page. Progressive enhancement only: every
// page works without it. Each piece is set up on its own, so one failure cannot stop the rest.
import { setupScopePicker } from './scope-picker.ts'
import { setupSummaryPanel } from './summary-panel.ts'
import { setupFinishSignIn, setupHandOff } from './sign-in-binding.ts'
import { setupCopyButtons, setupCopyText, setupCountdown, setupDownloads, setupReveal } from './tokens-page.ts'

const pieces: Record<string, () => void> = {
  'hand-off': setupHandOff,
  'finish sign-in': setupFinishSignIn,
  'scope picker': setupScopePicker,
  'selection panel': setupSummaryPanel,
  'copy buttons': setupCopyButtons,
  'copy text buttons': setupCopyText,
  'reveal buttons': setupReveal,
  countdown: setupCountdown,
  downloads: setupDownloads
}

for (const [name, setup] of Object.entries(pieces)) {
  try {
    setup()
  } catch (err) {
    console.error(`webex-token-issuer: the ${name} could not be set up`, err)
  }
}
