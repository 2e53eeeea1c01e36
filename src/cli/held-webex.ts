// Where the CLI sends tokens: this tool's integration for its own sign-ins, and for tokens the
// person already holds (whoami, refresh, grants, service-app token) only the Webex that issued
// them. A sandbox's tokens go to that sandbox only once it proves it is the one this user
// started (src/sandbox-proof.ts): any local program can answer on a free loopback port.
import {
  DEFAULT_WEBEX_BASE_URL,
  SANDBOX_CLIENT_ID,
  SANDBOX_CLIENT_SECRET,
  SANDBOX_PATH,
  type Config
} from '../config/index.ts'
import { AppError } from '../errors.ts'
import { sandboxProves } from '../sandbox-proof.ts'
import { createWebexClient, type WebexClient } from '../webex/client.ts'
import type { HeldTokens } from './input.ts'

/** The names `npm start` gives its sandbox, all of which reach 127.0.0.1 or [::1] at its port. */
const SANDBOX_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** The Webex client for the configured Webex, with this tool's integration. */
function webexFor (config: Config): WebexClient {
  return createWebexClient({
    baseUrl: config.webexApiUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret
  })
}

/** Held tokens' Webex: the client that talks to it, and what the tool may do there. */
export interface HeldWebex {
  webex: WebexClient
  /** The Webex that issued the tokens, as their file names it: what a refreshed file records. */
  baseUrl: string
  /**
   * Whether this is a Webex whose integration credentials the tool holds: the configured one
   * (CLIENT_ID), or the user's own proven sandbox. Only there may a refresh send them.
   */
  ownClient: boolean
}

/**
 * The port of a sandbox's base URL (http://localhost:PORT/sandbox/v1, or 127.0.0.1 or [::1]),
 * else undefined. The CLI asks 127.0.0.1:PORT, which a sandbox that publishes its key holds.
 */
export function sandboxPortOf (url: URL): number | undefined {
  if (url.protocol !== 'http:' || !SANDBOX_HOSTS.has(url.hostname)) return undefined
  if (url.pathname.replace(/\/+$/, '') !== SANDBOX_PATH) return undefined
  return url.port === '' ? 80 : Number(url.port)
}

/**
 * The Webex client for tokens the person already holds. A token goes only to the Webex that
 * issued it: the base URL its file names, else the configured Webex (WEBEX_BASE_URL with
 * CLIENT_ID), else webexapis.com. A sandbox's token goes to that sandbox only when it proves
 * it is the user's own (src/sandbox-proof.ts): any local program can answer on a free port.
 * Anything else that is not https gets nothing. `hint` is added to the sandbox's refusal.
 */
export async function webexForHeld (
  config: Config,
  held: Pick<HeldTokens, 'baseUrl'>,
  env: NodeJS.ProcessEnv,
  hint?: string
): Promise<HeldWebex> {
  const named = (held.baseUrl ?? (config.sandbox ? DEFAULT_WEBEX_BASE_URL : config.webexBaseUrl)).replace(/\/+$/, '')
  let url: URL
  try {
    url = new URL(named)
  } catch {
    throw new AppError('bad_request', {
      reason: "The token file's WEBEX_BASE_URL (base_url) is not a URL, so the token was sent nowhere."
    })
  }
  // A sandbox's address is proven first, even where WEBEX_BASE_URL names it (a shell that
  // loaded a sandbox's download): whatever answers there gets nothing until it proves itself.
  const port = sandboxPortOf(url)
  if (port === undefined && !config.sandbox && named === config.webexBaseUrl) {
    return { webex: webexFor(config), baseUrl: named, ownClient: true }
  }
  if (port !== undefined) {
    if (!(await sandboxProves(env, port))) {
      throw new AppError('sandbox_token', {
        reason: `these tokens were issued by the sandbox at ${url.origin}, and no sandbox of yours proves it runs there, so nothing was sent. Start it again with PORT=${port} npm start (in sandbox mode, no CLIENT_ID) and get new tokens from its page: a sandbox's tokens end with the run that issued them.${hint === undefined ? '' : ` ${hint}`}`
      })
    }
    return {
      webex: createWebexClient({
        baseUrl: `http://127.0.0.1:${port}${SANDBOX_PATH}`,
        clientId: SANDBOX_CLIENT_ID,
        clientSecret: SANDBOX_CLIENT_SECRET
      }),
      baseUrl: named,
      ownClient: true
    }
  }
  if (url.protocol !== 'https:') {
    throw new AppError('bad_request', {
      reason: `The token file names ${url.origin} as the Webex that issued it: plain http, and not a sandbox of yours, so the token was sent nowhere.`
    })
  }
  // Another Webex than the configured one: the token goes where it was issued, but this tool's
  // client secret never does (a refresh there is refused before anything is sent).
  return {
    webex: createWebexClient({ baseUrl: named, clientId: config.clientId, clientSecret: '' }),
    baseUrl: named,
    ownClient: false
  }
}
