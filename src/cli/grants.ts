// `grants list` and `grants revoke`: the commands, what they print, and the question `revoke`
// asks on a terminal. The rules live in src/oauth/grants.ts, shared with the Grants page.
import { createInterface } from 'node:readline/promises'
import { Option, type Command } from 'commander'
import { revokeEntry } from '../audit.ts'
import { AppError, type ErrorKind } from '../errors.ts'
import { EXIT } from './exit-codes.ts'
import { clientConsequence, groupByApplication, WEBEX_OWN_CLIENTS } from '../oauth/grants.ts'
import type { Authorization } from '../webex/resources.ts'
import { jsonSafe, terminalSafe } from './terminal-safe.ts'
import {
  adminTokenOptions,
  commandHelp,
  ExitError,
  SIGN_IN_KINDS,
  parseLoginHint,
  parseWebexId,
  record,
  withAdminToken,
  type AdminTokenOptions,
  type Cli
} from './shared.ts'

export type GrantsFormat = 'json' | 'text'

/** A person's grants for the terminal (by application, this tool's first) or as JSON with Webex's own fields. */
export function formatGrants (
  format: GrantsFormat,
  person: string,
  grants: readonly Authorization[],
  ownClientId: string
): string {
  if (format === 'json') return jsonSafe(JSON.stringify({ person, items: grants }, null, 2)) + '\n'
  return terminalSafe(grantsText(person, grants, ownClientId))
}

function grantsText (person: string, grants: readonly Authorization[], ownClientId: string): string {
  const apps = groupByApplication(grants, ownClientId)
  if (apps.length === 0) return `No grants for ${person}.\n`
  const lines = [`Grants of ${person}: ${grants.length} in ${apps.length} application${apps.length === 1 ? '' : 's'}`]
  for (const app of apps) {
    lines.push(
      '',
      `${app.name}${app.own ? ' (this tool)' : ''}${app.webex ? " (Webex's own app)" : ''}  client ${app.clientId === '' ? 'unknown' : app.clientId}`
    )
    for (const grant of app.grants) {
      lines.push(`  ${(grant.type ?? '?').padEnd(8)}${(grant.created ?? 'created ?').padEnd(27)}${grant.id}`)
    }
  }
  return lines.join('\n') + '\n'
}

/** What `revoke` is about to do, in the words its question and its result use. */
export function revokeDescription (
  target: { id: string } | { clientId: string, orgId?: string },
  ownClientId: string
): string {
  if ('id' in target) {
    return `grant ${target.id}: if it is a refresh grant (a sign-in), its refresh token and every access token made from it stop working; if it is an access grant, that one access token does`
  }
  const org = target.orgId === undefined ? 'your org' : `org ${target.orgId}`
  const name = WEBEX_OWN_CLIENTS.get(target.clientId) ?? `client ${target.clientId}`
  return `every grant of ${name === `client ${target.clientId}` ? name : `${name} (client ${target.clientId})`} in ${org}. ${clientConsequence(name, target.clientId === ownClientId, WEBEX_OWN_CLIENTS.has(target.clientId)).replace(' the token this page is using', ' the token this command is using')}`
}

/** Asks on the terminal; true only for "y" or "yes". Ctrl-C (the signal) counts as no. */
export async function confirmOnTerminal (
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  question: string,
  signal: AbortSignal
): Promise<boolean> {
  const rl = createInterface({ input, output, terminal: false })
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal })
    return /^\s*y(es)?\s*$/i.test(answer)
  } catch {
    return false
  } finally {
    rl.close()
  }
}

/** What the grants commands can end with: Webex's refusals, and a sign-in's when they sign in. */
const GRANTS_KINDS: readonly ErrorKind[] = [
  'forbidden',
  'webex_not_found',
  'token_invalid',
  'sandbox_token',
  ...SIGN_IN_KINDS
]

export function grantsCommands (program: Command, cli: Cli): void {
  const { io, term, signal } = cli
  const grants = program
    .command('grants')
    .description(
      'See and revoke grants (Webex authorizations): who holds which token. Needs a full, user or device admin.'
    )
  adminTokenOptions(
    grants
      .command('list')
      .description("List a person's grants, by application.")
      .option('--email <email>', "whose grants (default: the admin's own)", parseLoginHint)
      .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
      .addHelpText(
        'after',
        commandHelp(
          [
            'webex-token-issuer grants list                       # your own grants; signs in on a terminal',
            'webex-token-issuer grants list --email alex@example.com --in admin.env --format json'
          ],
          GRANTS_KINDS
        )
      )
  ).action(async (opts: AdminTokenOptions & { email?: string, format: GrantsFormat }) => {
    await withAdminToken(cli, opts, 'grants', async (webex, token, admin, { config }) => {
      const person =
        opts.email === undefined || admin.emails.includes(opts.email)
          ? { personId: admin.id }
          : { personEmail: opts.email }
      const items = await webex.listAuthorizations(token, person).catch((err: unknown) => {
        if (err instanceof AppError && err.kind === 'webex_not_found') {
          throw new AppError('webex_not_found', {
            ...err.details,
            reason: `Webex found no person with the email ${opts.email ?? ''} in the org.`
          })
        }
        throw err
      })
      io.stdout.write(formatGrants(opts.format, opts.email ?? admin.emails[0] ?? admin.id, items, config.clientId))
    })
  })
  adminTokenOptions(
    grants
      .command('revoke')
      .description(
        'Revoke one grant (--id) or every grant of an integration in the org (--client-id). Asks first on a terminal.'
      )
      .option('--id <authorizationId>', "the grant's id, as `grants list` shows it", parseWebexId)
      .option('--client-id <clientId>', 'revoke every grant of this integration in the org', parseWebexId)
      .option('--org-id <orgId>', "with --client-id: the org (default: the admin token's org)", parseWebexId)
      .option('--yes', 'do not ask; needed when not on a terminal')
      .addHelpText(
        'after',
        commandHelp(
          [
            'webex-token-issuer grants revoke --id Y2lzY29…      # asks first',
            'webex-token-issuer grants revoke --client-id C1234… --in admin.env --yes   # every grant of an integration, from a script'
          ],
          GRANTS_KINDS
        )
      )
  ).action(async (opts: AdminTokenOptions & { id?: string, clientId?: string, orgId?: string, yes?: boolean }) => {
    if ((opts.id === undefined) === (opts.clientId === undefined)) {
      throw new ExitError(EXIT.usage, 'pass exactly one of --id and --client-id')
    }
    if (opts.id !== undefined && opts.orgId !== undefined) {
      throw new ExitError(EXIT.usage, '--org-id goes with --client-id only')
    }
    // Refused before any sign-in: a script must say --yes, and nothing is changed without it.
    if (opts.yes !== true && io.stdin.isTTY !== true) {
      throw new ExitError(
        EXIT.usage,
        'revoke changes Webex and stdin is not a terminal to ask on: pass --yes to confirm'
      )
    }
    await withAdminToken(cli, opts, 'grants', async (webex, token, admin, { config, audit }) => {
      const target: { id: string } | { clientId: string, orgId?: string } =
        opts.id !== undefined
          ? { id: opts.id }
          : { clientId: opts.clientId ?? '', ...(opts.orgId === undefined ? {} : { orgId: opts.orgId }) }
      const what = revokeDescription(target, config.clientId)
      if (
        opts.yes !== true &&
        !(await confirmOnTerminal(io.stdin, io.stderr, `Revoke ${what.replace(/\.$/, '')}?`, signal))
      ) {
        throw new ExitError(EXIT.cancelled, 'not revoked')
      }
      const { trackingId } =
        'id' in target
          ? await webex.deleteAuthorization(token, target.id)
          : await webex.deleteClientAuthorizations(token, target.clientId, target.orgId)
      await record(cli, audit, () =>
        revokeEntry({
          via: 'cli',
          clientId: config.clientId,
          admin,
          adminToken: token,
          trackingId,
          now: Date.now(),
          revoked:
            'id' in target
              ? { authorization_id: target.id }
              : { client_id: target.clientId, ...(target.orgId === undefined ? {} : { org_id: target.orgId }) }
        })
      )
      term.done(`Revoked ${what}.`)
    })
  })
}
