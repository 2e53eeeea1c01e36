// The app factory: builds the whole Fastify app for a Config without listening, so the
// server, the CLI and the tests all get the same app.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import view from '@fastify/view'
import handlebars from 'handlebars'
import { pino, type DestinationStream } from 'pino'
import { logOutput } from './logging.ts'
import type { Dispatcher } from 'undici'
import type { Config } from './config/index.ts'
import { SANDBOX_PATH } from './config/index.ts'
import { loadCatalogue, type Catalogue } from './catalogue/index.ts'
import { createWebexClient } from './webex/client.ts'
import type { Timeouts } from './webex/transport.ts'
import { ConsumedStates } from './oauth/flow.ts'
import { flowKey } from './web/flow-cookies.ts'
import type { Emulator } from './sandbox/index.ts'
import { SCOPES_DIR, TEMPLATES_DIR } from './paths.ts'
import { errorHandler, notFoundHandler } from './web/errors.ts'
import { Refusals } from './web/refusals.ts'
import { homeRoutes } from './web/home.ts'
import { callbackRoutes } from './web/callback.ts'
import { assetRoutes } from './web/assets.ts'
import { tokenRoutes } from './web/tokens.ts'
import { grantsRoutes } from './web/grants.ts'
import { serviceAppRoutes } from './web/service-app.ts'
import { signInStarter, type SignInTable } from './web/sign-in.ts'
import { AuditLog } from './audit.ts'
import { crossSiteGuard } from './web/cross-site-guard.ts'
import { HEALTH_SERVICE } from './loopback.ts'
import { isNonce, PROOF_PATH, sandboxProof } from './sandbox-proof.ts'
import { querySchema, zodRoutes } from './route-schema.ts'
import * as z from 'zod'
import { hostGuard } from './web/host-guard.ts'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import { AppError } from './errors.ts'
import type { WebContext } from './web/context.ts'

export interface AppDeps {
  catalogue?: Catalogue
  /** Outbound HTTP; defaults to one keep-alive Agent for the whole app, made on first use. */
  dispatcher?: Dispatcher
  timeouts?: Timeouts
  /** How the Webex client waits between retries; tests record the waits instead of sleeping. */
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  /** Where logs go; defaults to stdout (readable lines when it is a terminal). */
  logStream?: DestinationStream
  /** The embedded emulator in sandbox mode; made here when not given. */
  emulator?: Emulator
  /**
   * This run's sandbox key (src/sandbox-proof.ts): with it, the sandbox answers the CLI's
   * proof requests. The server makes one and publishes it in the user's runtime folder.
   */
  sandboxKey?: Buffer
}

/**
 * Paths pino blanks, a second line of defence: the app logs no bodies, query strings, headers
 * or tokens at all. Plain paths only: wildcards made redaction a tenth of a flow's CPU time.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query',
  'req.body',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'query',
  'body',
  'cookies',
  'access_token',
  'refresh_token',
  'code',
  'code_verifier',
  'client_secret',
  'accessToken',
  'refreshToken',
  'verifier',
  'token'
]

function createLogger (level: string, destination: DestinationStream): FastifyBaseLogger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination)
}

export async function buildApp (config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const catalogue = deps.catalogue ?? loadCatalogue(SCOPES_DIR)
  const now = deps.now ?? Date.now

  /** A hop count trusts that many proxies nearest the server, as proxy-addr counts them. */
  function trustProxyOption (
    trust: Config['trustProxy']
  ): boolean | string[] | ((address: string, hop: number) => boolean) {
    return typeof trust === 'number' ? (_address, hop) => hop < trust : trust
  }

  const refusals = new Refusals()
  const app = Fastify({
    clientErrorHandler: refusals.clientError,
    frameworkErrors: refusals.frameworkError,
    loggerInstance: createLogger(config.logLevel, deps.logStream ?? (await logOutput()).stream),
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 }
  })

  // The services every page shares: one object, handed to each page's functions.
  const ctx: WebContext = {
    config,
    catalogue,
    // One keep-alive Agent for the whole process, made by the client on first use (or given).
    webex: createWebexClient({
      baseUrl: config.webexApiUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      dispatcher: deps.dispatcher,
      timeouts: deps.timeouts,
      sleep: deps.sleep,
      now
    }),
    consumed: new ConsumedStates(),
    flowKey: flowKey(config.cookieSecret),
    now,
    ...(config.auditLog === undefined ? {} : { audit: AuditLog.open(config.auditLog) })
  }

  // The Webex client's own Agent is closed with the app.
  app.addHook('onClose', async () => {
    await ctx.webex.close()
  })

  // One line per request, with the path only: query strings can carry codes and states.
  app.addHook('onResponse', (request, reply, done) => {
    const query = request.url.indexOf('?')
    request.log.info(
      {
        method: request.method,
        path: query < 0 ? request.url : request.url.slice(0, query),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime)
      },
      'request'
    )
    done()
  })
  // On shutdown, answers to requests still in flight close their connections, so that
  // keep-alive sockets cannot hold the server open once those requests are done.
  let closing = false
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // The app's forms post to itself; the sandbox's consent form returns to the callback.
        // Sign-ins leave through a hand-off page, not a form's redirect (home.ts), so no Webex
        // host needs to be named here.
        formAction: [...new Set(["'self'", config.redirectOrigin])],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: config.secure ? [] : null
      }
    },
    referrerPolicy: { policy: 'no-referrer' },
    // Headers for browsers long gone (IE, Flash) are left out: every byte is sent on every response.
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    strictTransportSecurity: config.secure
  })
  await app.register(hostGuard, { allowed: config.allowedHosts })
  await app.register(crossSiteGuard, {
    origins: [config.redirectOrigin],
    apiPrefix: config.sandbox ? SANDBOX_PATH : undefined
  })
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new AppError('rate_limited', { retryAfter: Math.max(1, Math.ceil(context.ttl / 1000)) })
  })
  await app.register(cookie, { parseOptions: {} })
  await app.register(formbody)
  await app.register(view, {
    engine: { handlebars: handlebars.create() },
    root: TEMPLATES_DIR,
    layout: 'layout.hbs',
    viewExt: 'hbs',
    production: true,
    options: {
      partials: {
        errorBox: 'partials/error-box.hbs',
        tokenField: 'partials/token-field.hbs',
        scopeRow: 'partials/scope-row.hbs'
      }
    }
  })
  await app.register(assetRoutes)
  refusals.attach(app, config)

  app.setErrorHandler(errorHandler(ctx))
  app.setNotFoundHandler(notFoundHandler(ctx))

  // Names the app, so the CLI can tell that its own web app holds REDIRECT_URI's port.
  app.get('/healthz', async () => ({ status: 'ok', service: HEALTH_SERVICE }))
  // The pages, plain functions of the services. A sign-in's purpose maps, in one fixed table, to
  // the page whose form starts it and the page that presents it when it comes back: the callback
  // dispatches by it, and the scope page hands an old form's purpose to that page's start.
  const begin = signInStarter(ctx)
  const tokens = tokenRoutes(ctx)
  const grants = grantsRoutes(ctx, begin)
  const serviceApp = serviceAppRoutes(ctx, tokens.presentTokens, begin)
  const signIns: SignInTable = {
    tokens: { present: tokens.present },
    grants: { start: grants.start, present: grants.present },
    'service-app': { start: serviceApp.start, present: serviceApp.present }
  }
  await app.register(homeRoutes(ctx, begin, (purpose) => signIns[purpose].start))
  await app.register(tokens.routes)
  await app.register(grants.routes)
  await app.register(serviceApp.routes)
  await app.register(callbackRoutes(ctx, (purpose) => signIns[purpose].present))
  if (config.sandbox) {
    // The emulator is loaded only in sandbox mode.
    const { Emulator, sandboxPlugin } = await import('./sandbox/index.ts')
    const emulator =
      deps.emulator ??
      new Emulator({
        clients: [{ clientId: config.clientId, clientSecret: config.clientSecret, redirectUris: [config.redirectUri] }],
        now,
        rateLimitPerMinute: config.rateLimitPerMinute
      })
    await app.register(sandboxPlugin(emulator), { prefix: SANDBOX_PATH })
    const key = deps.sandboxKey
    if (key !== undefined) {
      // The HMAC of the CLI's nonce under this run's key: what proves this is the user's own
      // sandbox before the CLI hands it a token (src/sandbox-proof.ts).
      await app.register(async (instance) => {
        zodRoutes(instance).get(
          `${SANDBOX_PATH}${PROOF_PATH}`,
          querySchema(z.object({ nonce: z.string().refine(isNonce) })),
          async (request, reply) => {
            reply.header('cache-control', 'no-store')
            if (request.validationError !== undefined) return await reply.code(400).send({ error: 'bad nonce' })
            return { proof: sandboxProof(key, config.port, request.query.nonce) }
          }
        )
      })
    }
  }
  return app
}
