// The emulator's record of grants, as Webex's Authorizations API shows them
// (docs/webex-contract.md, "Authorizations"): one `refresh` authorization per sign-in and one
// `access` authorization per access token made from it. Revoking a refresh authorization ends
// its access tokens too. Each demo user also holds a few grants of other applications, so the
// Grants page has something to group.
import { randomUUID } from 'node:crypto'
import type { DemoUser } from './users.ts'

export interface GrantRecord {
  id: string
  type: 'refresh' | 'access'
  clientId: string
  applicationName: string
  personId: string
  created: string
  /** The token this authorization stands for; seeded grants of other applications have none here. */
  token?: string
  /** The refresh authorization an access authorization was made from. */
  parent?: string
}

/** The API's view of a record. */
export interface AuthorizationItem { id: string, applicationId: string, applicationName: string, clientId: string, personId: string, created: string, type: 'refresh' | 'access' }

const MAX_RECORDS = 50_000

function webexId (type: string, id: string): string {
  return Buffer.from(`ciscospark://us/${type}/${id}`).toString('base64url')
}

/** Other applications the demo users have signed in to (client ids from Webex's public examples). */
const OTHER_APPLICATIONS = [
  { clientId: 'C64ab04639eefee4798f58e7bc3fe01d47161be0d97ff0d31e040a6ffe66d7f0a', applicationName: 'Webex Web Client' },
  { clientId: 'C80fb9c7096bd8474627317ee1d7a817eff372ca9c9cee3ce43c3ea3e8d1511ec', applicationName: 'Developer Portal' }
]

export class GrantRegistry {
  readonly #records = new Map<string, GrantRecord>()
  readonly #now: () => number

  constructor (users: readonly DemoUser[], now: () => number) {
    this.#now = now
    const seeded = new Date(Date.UTC(2026, 0, 15, 9, 0)).toISOString()
    for (const user of users) {
      for (const app of OTHER_APPLICATIONS) this.#put({ id: webexId('AUTHORIZATION', randomUUID()), type: 'refresh', ...app, personId: user.personId, created: seeded })
    }
  }

  #put (record: GrantRecord): GrantRecord {
    if (this.#records.size >= MAX_RECORDS) {
      const oldest = this.#records.keys().next()
      if (oldest.done !== true) this.#records.delete(oldest.value)
    }
    this.#records.set(record.id, record)
    return record
  }

  add (input: Omit<GrantRecord, 'id' | 'created'>): GrantRecord {
    return this.#put({ ...input, id: webexId('AUTHORIZATION', randomUUID()), created: new Date(this.#now()).toISOString() })
  }

  get (id: string): GrantRecord | undefined {
    return this.#records.get(id)
  }

  forPerson (personId: string): AuthorizationItem[] {
    return [...this.#records.values()].filter((r) => r.personId === personId).map((r) => ({
      id: r.id,
      applicationId: webexId('APPLICATION', r.clientId),
      applicationName: r.applicationName,
      clientId: r.clientId,
      personId: r.personId,
      created: r.created,
      type: r.type
    }))
  }

  /** Removes an authorization, and the access authorizations made from a refresh one; returns what was removed. */
  revoke (id: string): GrantRecord[] {
    const record = this.#records.get(id)
    if (record === undefined) return []
    const removed = [record, ...[...this.#records.values()].filter((r) => r.parent === id)]
    for (const r of removed) this.#records.delete(r.id)
    return removed
  }

  /** Removes every authorization of a client (in the sandbox's one org). */
  revokeClient (clientId: string): GrantRecord[] {
    const removed = [...this.#records.values()].filter((r) => r.clientId === clientId)
    for (const r of removed) this.#records.delete(r.id)
    return removed
  }
}
