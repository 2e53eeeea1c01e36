// What every route plugin of the web app is given: config, catalogue, the Webex client, the clock.
import type { Config } from '../config/index.ts'
import type { Catalogue } from '../catalogue/index.ts'
import type { WebexClient } from '../oauth/webex-client.ts'
import type { ConsumedStates } from '../oauth/flow.ts'

/** Route options that rate-limit a route per client address, as RATE_LIMIT_PER_MINUTE says (0: off). */
export function rateLimited (config: Config): { config?: { rateLimit: { max: number, timeWindow: number } } } {
  return config.rateLimitPerMinute === 0 ? {} : { config: { rateLimit: { max: config.rateLimitPerMinute, timeWindow: 60_000 } } }
}

export interface WebContext {
  readonly config: Config
  readonly catalogue: Catalogue
  readonly webex: WebexClient
  readonly consumed: ConsumedStates
  /** Encrypts the flow cookies (derived from COOKIE_SECRET). */
  readonly flowKey: Buffer
  readonly now: () => number
}
