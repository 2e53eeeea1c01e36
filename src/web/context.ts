// What every route plugin of the web app is given: config, catalogue, the Webex client, the clock.
import type { Config } from '../config/index.ts'
import type { Catalogue } from '../catalogue/index.ts'
import type { WebexClient } from '../oauth/webex-client.ts'
import type { ConsumedStates } from '../oauth/flow.ts'

export interface WebContext {
  readonly config: Config
  readonly catalogue: Catalogue
  readonly webex: WebexClient
  readonly consumed: ConsumedStates
  readonly now: () => number
}
