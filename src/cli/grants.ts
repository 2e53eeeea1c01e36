// `grants list` and `grants revoke`: what they print, and the question `revoke` asks on a
// terminal. The commands themselves are wired in main.ts; the rules live in src/oauth/grants.ts.
import { createInterface } from 'node:readline/promises'
import { clientConsequence, groupByApplication } from '../oauth/grants.ts'
import type { Authorization } from '../oauth/webex-client.ts'

export type GrantsFormat = 'json' | 'text'

/** A person's grants for the terminal (by application, this tool's first) or as JSON with Webex's own fields. */
export function formatGrants (format: GrantsFormat, person: string, grants: readonly Authorization[], ownClientId: string): string {
  if (format === 'json') return JSON.stringify({ person, items: grants }, null, 2) + '\n'
  const apps = groupByApplication(grants, ownClientId)
  if (apps.length === 0) return `No grants for ${person}.\n`
  const lines = [`Grants of ${person}: ${grants.length} in ${apps.length} application${apps.length === 1 ? '' : 's'}`]
  for (const app of apps) {
    lines.push('', `${app.name}${app.own ? ' (this tool)' : ''}  client ${app.clientId === '' ? 'unknown' : app.clientId}`)
    for (const grant of app.grants) {
      lines.push(`  ${(grant.type ?? '?').padEnd(8)}${(grant.created ?? 'created ?').padEnd(27)}${grant.id}`)
    }
  }
  return lines.join('\n') + '\n'
}

/** What `revoke` is about to do, in the words its question and its result use. */
export function revokeDescription (target: { id: string } | { clientId: string, orgId?: string }, ownClientId: string): string {
  if ('id' in target) {
    return `grant ${target.id}: if it is a refresh grant (a sign-in), its refresh token and every access token made from it stop working; if it is an access grant, that one access token does`
  }
  const org = target.orgId === undefined ? 'your org' : `org ${target.orgId}`
  return `every grant of client ${target.clientId} in ${org}. ${clientConsequence(`client ${target.clientId}`, target.clientId === ownClientId).replace(' the token this page is using', ' the token this command is using')}`
}

/** Asks on the terminal; true only for "y" or "yes". Ctrl-C (the signal) counts as no. */
export async function confirmOnTerminal (input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string, signal: AbortSignal): Promise<boolean> {
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
