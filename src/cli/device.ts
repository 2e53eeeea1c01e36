// `token --device`: the device grant, for machines without a browser (docs/webex-contract.md,
// "Device grant"). Webex hands out a user code; a person enters it on any device; this command
// polls at the interval Webex asks for (slower when told slow_down) until the tokens come, the
// person declines, the code expires or --timeout passes. In sandbox mode the emulator runs in
// this process on REDIRECT_URI's port, as for `token`.
import { setTimeout as sleep } from 'node:timers/promises'
import { SANDBOX_PATH, type Config } from '../config/index.ts'
import { isOpenIdScope } from '../catalogue/rules.ts'
import { AppError } from '../errors.ts'
import { createWebexClient, whoSignedIn } from '../webex/client.ts'
import type { DeviceAuthorization, Person, TokenSet } from '../webex/resources.ts'
import { listen, redirectPort } from './loopback-sign-in.ts'

/** Time as the device grant sees it: its deadlines and its waits between polls. */
export interface Clock {
  now: () => number
  /** Waits `ms`; rejects when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>
}

const SYSTEM_CLOCK: Clock = { now: Date.now, sleep: (ms, signal) => sleep(ms, undefined, { signal }) }

export interface DeviceFlowOptions {
  config: Config
  scopes: readonly string[]
  /** Called with the code and URLs to show the person. */
  onCode: (authorization: DeviceAuthorization) => Promise<void>
  timeoutMs: number
  signal: AbortSignal
  /** The system clock unless given (tests pass one that runs faster, shared with the emulator). */
  clock?: Clock | undefined
}

/** Scopes the device grant refuses: Webex does not allow OpenID scopes there. */
export function deviceScopeProblem (scopes: readonly string[]): string | undefined {
  const openId = scopes.filter(isOpenIdScope)
  return openId.length === 0
    ? undefined
    : `the device grant does not allow OpenID scopes (${openId.join(' ')}): leave them out, or sign in without --device`
}

export async function runDeviceFlow (
  options: DeviceFlowOptions
): Promise<{ tokens: TokenSet, person?: Person, orgName?: string, requested: string[] }> {
  const { config, signal } = options
  const clock = options.clock ?? SYSTEM_CLOCK
  const requested = [...options.scopes]
  let apiUrl = config.webexApiUrl
  let closeServer = async () => {}
  if (config.sandbox) {
    const port = redirectPort(config)
    const server = await listen(config, port, clock.now, (_req, res) => {
      res.writeHead(404).end()
    })
    closeServer = server.close
    apiUrl = `http://127.0.0.1:${port}${SANDBOX_PATH}`
  }
  const webex = createWebexClient({ baseUrl: apiUrl, clientId: config.clientId, clientSecret: config.clientSecret })
  try {
    const started = clock.now()
    const authorization = await webex.deviceAuthorize(requested)
    await options.onCode(authorization)
    const giveUpAt = started + options.timeoutMs
    // A little past the code's life, in case Webex never says expired_token.
    const expiredAt = started + authorization.expiresInS * 1000 + 5000
    let intervalMs = authorization.intervalS * 1000
    for (;;) {
      try {
        await clock.sleep(intervalMs, signal)
      } catch {
        throw new AppError('unknown_error', { reason: 'Cancelled.' })
      }
      if (clock.now() > giveUpAt) {
        throw new AppError('timeout', {
          reason: `No one approved the sign-in within ${Math.round(options.timeoutMs / 1000)} seconds.`
        })
      }
      if (clock.now() > expiredAt) throw new AppError('device_code_expired')
      const poll = await webex.deviceToken(authorization.deviceCode)
      if (poll.kind === 'slow_down') intervalMs += 5000
      if (poll.kind !== 'tokens') continue
      return { tokens: poll.tokens, ...(await whoSignedIn(webex, poll.tokens.accessToken)), requested }
    }
  } finally {
    await webex.close()
    await closeServer()
  }
}
