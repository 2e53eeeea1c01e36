// Entry point of the CLI (bin/webex-token-issuer.js imports the compiled copy).
import { main } from './bin.ts'

await main()
