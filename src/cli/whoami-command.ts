// `whoami`: whom an access token belongs to (people/me), asked of the Webex that issued it.
import { tokenEntry } from '../audit.ts'
import { EXIT } from './exit-codes.ts'
import { orgIdFromToken } from '../webex/resources.ts'
import { ExitError, heldTokens, load, record, wantsJsonOutput, webexForHeld, type Cli } from './shared.ts'
import { jsonSafe, terminalSafe } from './terminal-safe.ts'

export interface WhoamiOptions {
  token?: string
  in?: string
  format: string
  json?: boolean
}

/** `whoami`: the person (and org) an access token belongs to, as text or JSON. */
export async function whoamiAction (cli: Cli, opts: WhoamiOptions): Promise<void> {
  const { io } = cli
  const { config, audit } = load(io)
  const held = await heldTokens(cli, { name: '--token', value: opts.token }, opts.in, 'access')
  if (held.accessToken === undefined) throw new ExitError(EXIT.usage, 'the input holds no access token')
  const { webex } = await webexForHeld(config, held, io.env)
  try {
    const me = await webex.getMe(held.accessToken)
    await record(cli, audit, () =>
      tokenEntry({
        event: 'token_checked',
        via: 'cli',
        clientId: config.clientId,
        accessToken: held.accessToken,
        person: me,
        now: Date.now()
      })
    )
    const summary = {
      id: me.id,
      displayName: me.displayName,
      emails: me.emails,
      orgId: me.orgId ?? orgIdFromToken(held.accessToken),
      type: me.type
    }
    io.stdout.write(
      wantsJsonOutput(opts)
        ? jsonSafe(JSON.stringify(summary, null, 2)) + '\n'
        : terminalSafe(
            `${summary.displayName ?? ''} <${summary.emails[0] ?? ''}>\norg ${summary.orgId ?? 'unknown'}\n`
        )
    )
  } finally {
    await webex.close()
  }
}
