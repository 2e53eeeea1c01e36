// The server: load config, build the app, listen, and shut down gracefully on SIGINT/SIGTERM.
// src/main.ts and the CLI's `serve` call serve().
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { checkStaticScopes } from './catalogue/static-scopes.ts'
import { ConfigError, loadConfig } from './config/index.ts'
import { EXIT } from './oauth/errors.ts'
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
      process.exit(EXIT.config)
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
