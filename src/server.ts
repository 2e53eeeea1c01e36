// The server: load config, build the app, listen, and shut down gracefully on SIGINT/SIGTERM.
// src/launch.ts (the bundle) and src/main.ts (from source) call serve().
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { checkStaticScopes } from './catalogue/static-scopes.ts'
import { ConfigError, EXIT_CONFIG, loadConfig, parseConfig } from './config/index.ts'
import { CatalogueError, loadCatalogue } from './catalogue/index.ts'
import { SCOPES_DIR } from './paths.ts'

export async function serve (env: NodeJS.ProcessEnv, overrides: { mode?: 'static' } = {}): Promise<void> {
  let config, catalogue
  try {
    config = loadConfig({ ...env, ...(overrides.mode === undefined ? {} : { MODE: overrides.mode }) }, process.cwd())
    catalogue = loadCatalogue(SCOPES_DIR)
    const warnings = [...config.warnings, ...checkStaticScopes(catalogue, config)]
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)
  } catch (err) {
    if (err instanceof ConfigError || err instanceof CatalogueError) {
      for (const line of err.message.split('\n')) process.stderr.write(`config error: ${line}\n`)
      process.exit(EXIT_CONFIG)
    }
    throw err
  }

  const app = await buildApp(config, { catalogue })
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ errorType: err.name }, 'closing after an unexpected error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : ''
    const why = code === 'EADDRINUSE' ? `port ${config.port} is already in use` : code === 'EACCES' ? `no permission to listen on port ${config.port}` : `cannot listen on ${config.host}:${config.port} (${code || 'unknown error'})`
    process.stderr.write(`error: ${why}; set PORT (and REDIRECT_URI) to a free port\n`)
    process.exit(1)
  }
  const shown = config.host === '127.0.0.1' || config.host === '0.0.0.0' ? `http://localhost:${config.port}` : `http://${config.host}:${config.port}`
  process.stderr.write(`webex-token-issuer ${config.sandbox ? 'in SANDBOX mode (no CLIENT_ID set)' : `for ${config.webexBaseUrl}`}, ${config.mode} mode: open ${shown}\n`)
}

/**
 * Walks the start-up path (config, catalogue, app, first pages) in sandbox mode without
 * listening, logging or reading anything but the package's own files. The build runs it to
 * make V8's code cache of the bundle (see src/bundle.ts).
 */
export async function warmUp (): Promise<void> {
  const config = parseConfig({ LOG_LEVEL: 'silent' })
  const catalogue = loadCatalogue(SCOPES_DIR)
  checkStaticScopes(catalogue, config)
  const app = await buildApp(config, { catalogue })
  const host = new URL(config.redirectUri).host
  for (const url of ['/healthz', '/', '/scopes.json']) await app.inject({ url, headers: { host, 'accept-encoding': 'br, gzip' } })
  await app.close()
}
