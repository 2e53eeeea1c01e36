// `token`: the grant flow on a loopback server at REDIRECT_URI's port. The browser signs in,
// Webex redirects back here, the code is exchanged, and the tokens go back to the caller.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import Fastify from 'fastify'
import type { Catalogue } from '../catalogue/index.ts'
import { checkSelection } from '../catalogue/rules.ts'
import { SANDBOX_PATH, type Config } from '../config/index.ts'
import { AppError, ERRORS } from '../oauth/errors.ts'
import { authorizeUrl, belongsTo, codeFrom, createFlow, parseCallback, pkceChallenge, type CallbackQuery } from '../oauth/flow.ts'
import { createWebexClient, type Person, type TokenSet } from '../oauth/webex-client.ts'
import { TEMPLATES_DIR } from '../paths.ts'

export interface TokenFlowOptions {
  config: Config
  catalogue: Catalogue
  scopes: readonly string[]
  /** Called with the authorize URL once the loopback server listens. */
  onAuthorizeUrl: (url: string) => Promise<void> | void
  timeoutMs: number
  signal: AbortSignal
  now?: () => number
}

export class PortInUseError extends Error {
  constructor (readonly port: number, readonly redirectUri: string) {
    super(`port ${port} is already in use, and REDIRECT_URI ${redirectUri} needs it: stop what holds it, or register another redirect URI and set REDIRECT_URI`)
    this.name = 'PortInUseError'
  }
}

export async function runTokenFlow (options: TokenFlowOptions): Promise<{ tokens: TokenSet, person?: Person, requested: string[] }> {
  const { config, catalogue } = options
  const now = options.now ?? Date.now
  const selection = checkSelection(catalogue, { ticked: [], custom: options.scopes })
  if (!selection.ok) throw new AppError('bad_request', { reason: selection.reason })
  const requested = selection.scopes
  const flow = createFlow(requested, now())
  const webex = createWebexClient({ baseUrl: config.webexApiUrl, clientId: config.clientId, clientSecret: config.clientSecret, now })

  let settle!: (outcome: { tokens: TokenSet, person?: Person } | AppError) => void
  const outcome = new Promise<{ tokens: TokenSet, person?: Person } | AppError>((resolve) => { settle = resolve })

  const server = Fastify({ logger: false, forceCloseConnections: true })
  // The page for the browser is compiled when the first answer comes back, not at start-up.
  let template: Promise<(data: object) => string> | undefined
  const page = async (title: string, message: string, detail?: string) => {
    template ??= Promise.all([import('handlebars'), readFile(join(TEMPLATES_DIR, 'cli', 'done.hbs'), 'utf8')])
      .then(([{ default: handlebars }, text]) => handlebars.create().compile(text))
    return (await template)({ title, message, detail })
  }

  let finished = false
  server.get(config.callbackPath, async (request, reply) => {
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('text/html; charset=utf-8')
    let query: CallbackQuery | undefined
    try {
      query = parseCallback(request.query)
    } catch {}
    if (finished || query === undefined || !belongsTo(query, flow)) {
      // Not the answer to this command's sign-in: refuse it and keep waiting for the real one.
      return reply.code(400).send(await page('Not this sign-in', 'This answer does not belong to the sign-in the command is waiting for, so it was ignored.'))
    }
    finished = true
    reply.header('connection', 'close')
    // Hand the outcome over only once the browser has its page, so closing the server cannot cut it off.
    const deliver = (result: { tokens: TokenSet, person?: Person } | AppError) => { reply.raw.once('finish', () => settle(result)); reply.raw.once('close', () => settle(result)) }
    try {
      const code = codeFrom(query, flow, config.clientSecret)
      const tokens = await webex.exchangeCode({ code, redirectUri: config.redirectUri, codeVerifier: flow.verifier })
      const person = await webex.getMe(tokens.accessToken).catch((err: unknown) => { if (err instanceof AppError) return undefined; throw err })
      deliver({ tokens, person })
      return reply.send(await page('Signed in', 'The tokens were handed to the terminal.'))
    } catch (err) {
      const error = err instanceof AppError ? err : new AppError('unknown_error')
      deliver(error)
      return reply.code(error.status).send(await page(ERRORS[error.kind].title, error.message, error.details.webexDescription))
    }
  })
  if (config.sandbox) {
    // The emulator is loaded only in sandbox mode.
    const { Emulator, sandboxPlugin } = await import('../sandbox/index.ts')
    await server.register(sandboxPlugin(new Emulator({ clients: [{ clientId: config.clientId, clientSecret: config.clientSecret, redirectUris: [config.redirectUri] }], now })), { prefix: SANDBOX_PATH })
  }

  const port = Number(new URL(config.redirectUri).port || (config.secure ? 443 : 80))
  try {
    await server.listen({ port, host: '127.0.0.1' })
  } catch (err) {
    await webex.close()
    if (err instanceof Error && 'code' in err && (err.code === 'EADDRINUSE' || err.code === 'EACCES')) throw new PortInUseError(port, config.redirectUri)
    throw err
  }

  let timer: NodeJS.Timeout | undefined
  const stopped = new Promise<AppError>((resolve) => {
    timer = setTimeout(() => resolve(new AppError('timeout', { reason: `No answer came back from the browser within ${Math.round(options.timeoutMs / 1000)} seconds.` })), options.timeoutMs)
    options.signal.addEventListener('abort', () => resolve(new AppError('unknown_error', { reason: 'Cancelled.' })), { once: true })
  })
  try {
    await options.onAuthorizeUrl(authorizeUrl(config.webexBaseUrl, { clientId: config.clientId, redirectUri: config.redirectUri, scopes: requested, state: flow.state, challenge: pkceChallenge(flow.verifier) }))
    const result = await Promise.race([outcome, stopped])
    if (result instanceof AppError) throw result
    return { ...result, requested }
  } finally {
    clearTimeout(timer)
    await server.close()
    await webex.close()
  }
}
