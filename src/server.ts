// The server: load config, build the app, listen, and shut down gracefully on SIGINT/SIGTERM.
// src/main.ts and the CLI's `serve` call serve().
import { errnoCode } from './errno.ts'
import type { Server } from 'node:http'
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.ts'
import { AuditLog } from './audit.ts'
import { logOutput } from './logging.ts'
import { checkStaticScopes } from './startup-checks.ts'
import { ConfigError, configErrorLines, loadConfig } from './config/index.ts'
import { EXIT } from './exit-status.ts'
import { CatalogueError, loadCatalogue } from './catalogue/index.ts'
import { SCOPES_DIR } from './paths.ts'
import { newSandboxKey, publishSandboxKey } from './sandbox-proof.ts'
import {
  closeServer,
  isLoopbackHost,
  isWildcardHost,
  ListenError,
  listenIpv6Twin,
  loopbackIpv4,
  NO_IPV6
} from './loopback.ts'

/** Requests in flight get this long to finish after SIGTERM/SIGINT; then the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000

export async function serve (env: NodeJS.ProcessEnv, overrides: { mode?: 'static' } = {}): Promise<void> {
  let config, catalogue
  try {
    config = loadConfig({ ...env, ...(overrides.mode === undefined ? {} : { MODE: overrides.mode }) }, process.cwd())
    catalogue = loadCatalogue(SCOPES_DIR)
    // An AUDIT_LOG that cannot be written stops start-up here, rather than losing the first event.
    if (config.auditLog !== undefined) AuditLog.open(config.auditLog)
    const warnings = [...config.warnings, ...checkStaticScopes(catalogue, config)]
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)
  } catch (err) {
    if (err instanceof ConfigError || err instanceof CatalogueError) {
      for (const line of configErrorLines(err)) process.stderr.write(`${line}\n`)
      process.exit(EXIT.config)
    }
    throw err
  }

  const log = await logOutput()
  // A sandbox proves itself to this user's CLI with a key of this run (src/sandbox-proof.ts).
  const sandboxKey = config.sandbox ? newSandboxKey() : undefined
  const app = await buildApp(config, {
    catalogue,
    logStream: log.stream,
    ...(sandboxKey === undefined ? {} : { sandboxKey })
  })
  let unpublish: (() => Promise<void>) | undefined
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ errorType: err.name }, 'closing after an unexpected error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
    await unpublish?.().catch(() => undefined)
    // A stdout nobody reads must not hold the exit past the grace period.
    await log.settle(1000)
  })
  try {
    await listenApp(app, config.port, config.host)
  } catch (err) {
    const why =
      err instanceof ListenError
        ? err.message
        : `cannot listen on ${config.host}:${config.port} (${err instanceof Error ? err.message : 'unknown error'})`
    process.stderr.write(`error: ${why}; set PORT (and REDIRECT_URI) to a free port\n`)
    process.exit(1)
  }
  // Only a sandbox that holds 127.0.0.1:PORT, where the CLI asks for the proof, publishes its
  // key: on another address, another program could hold 127.0.0.1:PORT and relay the proof.
  const holdsIpv4Loopback =
    (isLoopbackHost(config.host) && loopbackIpv4(config.host) === '127.0.0.1') || isWildcardHost(config.host)
  if (sandboxKey !== undefined && holdsIpv4Loopback) {
    unpublish = await publishSandboxKey(env, config.port, sandboxKey).catch(() => undefined)
    if (unpublish === undefined) {
      process.stderr.write(
        "warning: the sandbox's key could not be written to your runtime folder, so `whoami`, `refresh` and `grants` cannot trust this sandbox with its tokens\n"
      )
    }
  }
  const shown = holdsIpv4Loopback
    ? `http://localhost:${config.port}`
    : `http://${config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host}:${config.port}`
  process.stderr.write(
    `webex-token-issuer ${config.sandbox ? 'in SANDBOX mode (no CLIENT_ID set)' : `for ${config.webexBaseUrl}`}, ${config.mode} mode: open ${shown}\n`
  )
}

/**
 * Listens on HOST; a loopback HOST takes the port on both 127.0.0.1 and ::1 (src/loopback.ts),
 * and the second listener closes with the app. Rejects with a ListenError, the app closed.
 */
export async function listenApp (app: FastifyInstance, port: number, host: string): Promise<void> {
  if (isWildcardHost(host)) {
    // Every address on both stacks: '::' takes IPv4 too (mapped), so no other program can hold
    // [::1]:PORT beside us; 0.0.0.0 alone where the machine has no IPv6.
    try {
      await app.listen({ port, host: '::' })
    } catch (err) {
      if (!NO_IPV6.has(errnoCode(err))) throw new ListenError(errnoCode(err), port, '::')
      await app.listen({ port, host: '0.0.0.0' }).catch((again: unknown) => {
        throw new ListenError(errnoCode(again), port, '0.0.0.0')
      })
    }
    return
  }
  if (!isLoopbackHost(host)) {
    await app.listen({ port, host }).catch((err: unknown) => {
      throw new ListenError(errnoCode(err), port, host)
    })
    return
  }
  let twin: Server | undefined
  app.addHook('preClose', async () => {
    if (twin !== undefined) await closeServer(twin)
  })
  const ipv4 = loopbackIpv4(host)
  await app.listen({ port, host: ipv4 }).catch((err: unknown) => {
    throw new ListenError(errnoCode(err), port, ipv4)
  })
  try {
    twin = await listenIpv6Twin(app.server, app.routing, () =>
      app.log.debug('this machine has no IPv6 loopback (::1): listening on 127.0.0.1 only')
    )
  } catch (err) {
    await app.close()
    throw err
  }
}
