// `token`: the grant flow on a loopback server at REDIRECT_URI's port. The browser signs in,
// Webex redirects back here, the code is exchanged, and the tokens go back to the caller.
// The callback is one plain node:http handler, so the command starts without loading a web
// framework; in sandbox mode the emulator (a Fastify plugin) answers on the same port.
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http'
import { closeServer, isLoopbackHost, ListenError, listenIpv6Twin, listenOn, loopbackIpv4 } from '../loopback.ts'
import { join } from 'node:path'
import type { Catalogue } from '../catalogue/index.ts'
import { checkSelection } from '../catalogue/rules.ts'
import { SANDBOX_PATH, type Config } from '../config/index.ts'
import { AppError } from '../errors.ts'
import { PAGE_TEXT } from '../web/error-text.ts'
import {
  authorizeUrl,
  belongsTo,
  codeFrom,
  createFlow,
  parseCallback,
  pkceChallenge,
  type AccountChoice,
  type CallbackQuery
} from '../oauth/flow.ts'
import type { IdClaims } from '../oauth/id-token.ts'
import type { Person, TokenSet } from '../webex/resources.ts'
import type { WebexClient } from '../webex/client.ts'
import { TEMPLATES_DIR } from '../paths.ts'
import { DEVICE_HELPER_REDIRECT_URIS } from '../webex/device.ts'
import { writeLaunchFile, type LaunchFile } from './launch-file.ts'

export interface TokenFlowOptions {
  config: Config
  catalogue: Catalogue
  scopes: readonly string[]
  /** prompt=select_account and login_hint for the authorize URL. */
  account: AccountChoice
  /**
   * Called once the loopback server listens, with the authorize URL and `launchFile`, which
   * writes the launch file (src/cli/launch-file.ts) and gives its file:// URL: the one to hand a
   * browser through a command line, where every user of the machine can read it
   * (/proc/PID/cmdline). The authorize URL carries the state, the PKCE challenge and the nonce,
   * and the single-use link in the file would let whoever visits it first sign in instead.
   * The flow deletes the file once the link is used and when it ends.
   */
  onAuthorizeUrl: (url: string, launchFile: () => Promise<string>) => Promise<void> | void
  timeoutMs: number
  signal: AbortSignal
  now?: () => number
  /**
   * Work to do with the new tokens before the loopback server closes: in sandbox mode the
   * emulator that issued them lives in that server, so calls made with them must happen here.
   */
  whileOpen?: (result: FlowResult, webex: WebexClient) => Promise<void>
}

/** Where the single-use launch links live on the callback listener. */
const LAUNCH_PREFIX = '/go/'

export interface FlowResult {
  tokens: TokenSet
  person?: Person
  /** The org's name, when the token may read it (src/webex/client.ts, whoSignedIn). */
  orgName?: string
  idClaims?: IdClaims
  requested: string[]
}

export class PortInUseError extends Error {
  constructor (
    readonly cause: ListenError,
    readonly redirectUri: string
  ) {
    super(
      `${cause.message}, and REDIRECT_URI ${redirectUri} needs port ${cause.port}: stop what holds it, or register another redirect URI and set REDIRECT_URI`
    )
    this.name = 'PortInUseError'
  }
}

type Outcome = { tokens: TokenSet, person?: Person, orgName?: string, idClaims?: IdClaims } | AppError

/** The page the browser sees when it comes back, compiled on the first answer, not at start-up. */
let template: Promise<(data: object) => string> | undefined
async function donePage (title: string, message: string, detail?: string): Promise<string> {
  template ??= Promise.all([import('handlebars'), readFile(join(TEMPLATES_DIR, 'cli', 'done.hbs'), 'utf8')]).then(
    ([{ default: handlebars }, text]) => handlebars.create().compile(text)
  )
  return (await template)({ title, message, detail })
}

function sendPage (res: ServerResponse, status: number, html: string, close = false): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    ...(close ? { connection: 'close' } : {})
  })
  res.end(html)
}

/** The loopback server's handler: the callback, and in sandbox mode the emulator beside it. */
async function loopbackHandler (
  config: Config,
  now: () => number,
  callback: RequestListener
): Promise<{ handler: RequestListener, close: () => Promise<void> }> {
  // The callback, and the single-use launch links (/go/…), are the command's own.
  const isCallback = (req: IncomingMessage) => {
    const path = new URL(req.url ?? '/', 'http://loopback').pathname
    return path === config.callbackPath || path.startsWith(LAUNCH_PREFIX)
  }
  if (!config.sandbox) {
    return {
      handler: (req, res) => {
        if (isCallback(req)) callback(req, res)
        else sendPage(res, 404, 'Not found')
      },
      close: async () => {}
    }
  }
  // The emulator and Fastify are loaded only in sandbox mode; the servers are ours, Fastify only routes.
  const [{ default: Fastify }, { Emulator, sandboxPlugin }] = await Promise.all([
    import('fastify'),
    import('../sandbox/index.ts')
  ])
  const app = Fastify({ logger: false })
  // The sandbox's integration is registered for the device grant too (`token --device`).
  await app.register(
    sandboxPlugin(
      new Emulator({
        clients: [
          {
            clientId: config.clientId,
            clientSecret: config.clientSecret,
            redirectUris: [config.redirectUri, ...DEVICE_HELPER_REDIRECT_URIS]
          }
        ],
        now
      })
    ),
    { prefix: SANDBOX_PATH }
  )
  await app.ready()
  return {
    handler: (req, res) => {
      if (isCallback(req)) callback(req, res)
      else app.routing(req, res)
    },
    close: () => app.close()
  }
}

/**
 * The callback listener on the redirect URI's port, on 127.0.0.1 and ::1 both (src/loopback.ts),
 * so no other local user can take the ::1 half and see the code. Rejects with PortInUseError.
 */
export async function listen (
  config: Config,
  port: number,
  now: () => number,
  callback: RequestListener
): Promise<{ close: () => Promise<void> }> {
  const { handler, close: closeHandler } = await loopbackHandler(config, now, callback)
  const servers: Server[] = [createServer(handler)]
  const close = async () => {
    await Promise.all(servers.map((s) => closeServer(s, { dropBusy: true })))
    await closeHandler()
  }
  try {
    // REDIRECT_URI's IPv4 loopback address (127.0.0.1 for localhost and ::1), and ::1 beside it.
    await listenOn(servers[0] as Server, port, loopbackIpv4(new URL(config.redirectUri).hostname))
    const twin = await listenIpv6Twin(servers[0] as Server, handler, () => {})
    if (twin !== undefined) servers.push(twin)
  } catch (err) {
    await close().catch(() => {})
    if (err instanceof ListenError) throw new PortInUseError(err, config.redirectUri)
    throw err
  }
  return { close }
}

/** The loopback port REDIRECT_URI names (where the sandbox lives in sandbox mode). */
export function redirectPort (config: Config): number {
  return Number(new URL(config.redirectUri).port || (config.secure ? 443 : 80))
}

export async function runTokenFlow (options: TokenFlowOptions): Promise<FlowResult> {
  const { config, catalogue } = options
  const now = options.now ?? Date.now
  const selection = checkSelection(catalogue, { ticked: [], custom: options.scopes })
  if (!selection.ok) throw new AppError('bad_request', { reason: selection.reason })
  const requested = selection.scopes
  const redirectHost = new URL(config.redirectUri).hostname
  if (!isLoopbackHost(redirectHost)) {
    throw new AppError('bad_request', {
      reason: `REDIRECT_URI ${config.redirectUri} is not on this machine, so the browser's answer can never reach this command. Sign in on another device with --device, or register a loopback redirect URI such as http://localhost:8080/oauth on the integration and set REDIRECT_URI to it.`
    })
  }
  const flow = createFlow(requested, now())
  const port = redirectPort(config)
  // The Webex client is first needed when the browser comes back. In sandbox mode the
  // emulator is this process's own, on the redirect URI's port, whatever PORT says.
  const apiUrl = config.sandbox ? `http://127.0.0.1:${port}${SANDBOX_PATH}` : config.webexApiUrl
  const webexModule = import('../webex/client.ts')
  const webex = webexModule.then(({ createWebexClient }) =>
    createWebexClient({ baseUrl: apiUrl, clientId: config.clientId, clientSecret: config.clientSecret, now })
  )
  const verifier = import('../oauth/id-token.ts')

  const { promise: outcome, resolve: settle } = Promise.withResolvers<Outcome>()

  let finished = false
  // The launch link: a random path, good for one visit, that sends the browser on to Webex.
  const launchPath = `${LAUNCH_PREFIX}${randomBytes(24).toString('base64url')}`
  let launched = false
  let location = ''
  let launchFile: Promise<LaunchFile> | undefined
  const removeLaunchFile = async () => {
    await (await launchFile?.catch(() => undefined))?.remove()
  }
  async function launch (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (new URL(req.url ?? '/', 'http://loopback').pathname !== launchPath) {
      sendPage(res, 404, await donePage('Not found', 'There is no sign-in link here.'))
      return
    }
    if (!launched && !finished) {
      launched = true
      removeLaunchFile().catch(() => {})
      res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end()
      return
    }
    // A second visit: whoever came first may not have been this person's browser.
    const error = new AppError('state_invalid', {
      reason:
        'The sign-in link was opened a second time, so this sign-in was stopped: another program or user on this machine may have used it first. If the second visit was yours (a reload), run the command again.'
    })
    if (!finished) {
      finished = true
      res.once('finish', () => settle(error))
      res.once('close', () => settle(error))
    }
    sendPage(res, 409, await donePage('This sign-in link was already used', error.message), true)
  }

  async function answer (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (new URL(req.url ?? '/', 'http://loopback').pathname.startsWith(LAUNCH_PREFIX)) return launch(req, res)
    let query: CallbackQuery | undefined
    try {
      query = parseCallback(Object.fromEntries(new URL(req.url ?? '/', 'http://loopback').searchParams))
    } catch {}
    if (finished || query === undefined || !belongsTo(query, flow)) {
      // Not the answer to this command's sign-in: refuse it and keep waiting for the real one.
      sendPage(
        res,
        400,
        await donePage(
          'Not this sign-in',
          'This answer does not belong to the sign-in the command is waiting for, so it was ignored.'
        )
      )
      return
    }
    finished = true
    // Hand the outcome over only once the browser has its page, so closing the server cannot cut it off.
    const deliver = (result: Outcome) => {
      res.once('finish', () => settle(result))
      res.once('close', () => settle(result))
    }
    try {
      const code = codeFrom(query, flow, config.clientSecret)
      const client = await webex
      const { exchangeAndVerify } = await verifier
      const { tokens, idClaims } = await exchangeAndVerify(client, { code, flow, client: config, now })
      const who = await (await webexModule).whoSignedIn(client, tokens.accessToken)
      deliver({ tokens, ...who, idClaims })
      sendPage(res, 200, await donePage('Signed in', 'The tokens were handed to the terminal.'), true)
    } catch (err) {
      const error = err instanceof AppError ? err : new AppError('unknown_error')
      deliver(error)
      sendPage(
        res,
        error.status,
        await donePage(PAGE_TEXT[error.kind].title, error.message, error.details.webexDescription),
        true
      )
    }
  }

  let close: () => Promise<void>
  try {
    ;({ close } = await listen(config, port, now, (req, res) => {
      answer(req, res).catch(() => {
        if (!res.headersSent) sendPage(res, 500, 'Unexpected error')
      })
    }))
  } catch (err) {
    await (await webex).close()
    throw err
  }

  let timer: NodeJS.Timeout | undefined
  const stopped = new Promise<AppError>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          new AppError('timeout', {
            reason: `No answer came back from the browser within ${Math.round(options.timeoutMs / 1000)} seconds.`
          })
        ),
      options.timeoutMs
    )
    options.signal.addEventListener('abort', () => resolve(new AppError('unknown_error', { reason: 'Cancelled.' })), {
      once: true
    })
  })
  try {
    location = authorizeUrl(config.webexBaseUrl, {
      clientId: config.clientId,
      redirectUri: config.redirectUri,
      scopes: requested,
      state: flow.state,
      challenge: pkceChallenge(flow.verifier),
      nonce: flow.nonce,
      account: options.account
    })
    const launchUrl = `${new URL(config.redirectUri).origin}${launchPath}`
    await options.onAuthorizeUrl(location, async () => (await (launchFile ??= writeLaunchFile(launchUrl))).url)
    const result = await Promise.race([outcome, stopped])
    if (result instanceof AppError) throw result
    if (options.whileOpen !== undefined) await options.whileOpen({ ...result, requested }, await webex)
    return { ...result, requested }
  } finally {
    clearTimeout(timer)
    await removeLaunchFile().catch(() => {})
    await close()
    await (await webex).close()
  }
}
