// `service-app token`: a Service App's tokens for an org (docs/webex-contract.md, "Service
// Apps"), with the app's secret from stdin or a file and the integration token read the safe
// ways or from a sign-in for spark:applications_token.
import type { Command } from 'commander'
import { tokenEntry } from '../audit.ts'
import { EXIT } from './exit-codes.ts'
import { orgIdFromToken } from '../webex/resources.ts'
import { personOf } from '../webex/client.ts'
import {
  adminTokenOptions,
  checkDestination,
  commandHelp,
  emit,
  SIGN_IN_KINDS,
  parseWebexId,
  ExitError,
  formatOption,
  readSecret,
  record,
  withAdminToken,
  type AdminTokenOptions,
  type Cli
} from './shared.ts'
import type { Format } from './output.ts'

export function serviceAppCommand (program: Command, cli: Cli): void {
  const { term } = cli
  const serviceApp = program
    .command('service-app')
    .description(
      "Service Apps: tokens of an org's machine account, for scripts that outlive the admin who set them up."
    )
  adminTokenOptions(
    serviceApp
      .command('token')
      .description(
        "Fetch a Service App's access and refresh tokens for an org where a full admin authorized it. The integration token (with spark:applications_token) comes from --in or WEBEX_ACCESS_TOKEN, or a sign-in; the app's secret from --client-secret-file or stdin."
      )
      .requiredOption(
        '--app-id <applicationId>',
        "the Service App's application id (its page in the developer portal)",
        parseWebexId
      )
      .requiredOption('--client-id <clientId>', "the Service App's client id", parseWebexId)
      .option('--client-secret-file <file>', "read the Service App's client secret from FILE (else from stdin)")
      .option('--target-org <orgId>', "the org to get tokens for (default: the signed-in admin's org)", parseWebexId)
      .addOption(formatOption())
      .option('--out <file>', 'write the tokens to FILE (mode 0600) instead of stdout')
      .option('--force', 'overwrite --out if it exists')
      .addHelpText(
        'after',
        commandHelp(
          [
            'webex-token-issuer service-app token --app-id Y2lzY29… --client-id C1234… --format env --out app.env < app-secret.txt',
            'webex-token-issuer service-app token --app-id Y2lzY29… --client-id C1234… --client-secret-file app-secret.txt --in admin.env --format token'
          ],
          [
            'service_app_not_authorized',
            'service_app_secret_invalid',
            'webex_not_found',
            'forbidden',
            'token_invalid',
            ...SIGN_IN_KINDS
          ]
        )
      )
  ).action(
    async (
      opts: AdminTokenOptions & {
        appId: string
        clientId: string
        clientSecretFile?: string
        targetOrg?: string
        format: Format
        out?: string
        force?: boolean
      }
    ) => {
      // The destination and the secret first, so either stops the command before any sign-in.
      await checkDestination({ out: opts.out, force: opts.force === true })
      const secret = await readSecret(cli, opts.clientSecretFile, true, 'service-app token')
      await withAdminToken(
        cli,
        opts,
        'service-app',
        async (webex, token, admin, { config, audit }) => {
          const targetOrgId = opts.targetOrg ?? admin.orgId ?? orgIdFromToken(token)
          if (targetOrgId === undefined) {
            throw new ExitError(
              EXIT.usage,
              'Webex did not say which org the signed-in admin belongs to: pass --target-org'
            )
          }
          const tokens = await webex.serviceAppToken(token, {
            applicationId: opts.appId,
            clientId: opts.clientId,
            clientSecret: secret,
            targetOrgId
          })
          const person = await personOf(webex, tokens.accessToken)
          await record(cli, audit, () =>
            tokenEntry({
              event: 'service_app_token_issued',
              via: 'cli',
              clientId: opts.clientId,
              tokens,
              person,
              now: Date.now()
            })
          )
          term.done(`Got the Service App's tokens for org ${targetOrgId}.`)
          await emit(
            cli,
            opts.format,
            { tokens, person, baseUrl: config.webexBaseUrl, clientId: opts.clientId },
            { out: opts.out, force: opts.force === true }
          )
        },
        true
      )
    }
  )
}
