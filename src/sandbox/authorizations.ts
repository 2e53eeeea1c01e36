// The emulator's record of authorizations (Webex's word for an OAuth grant), and the
// Authorizations API that lists and revokes them (docs/webex-contract.md, "Authorizations"): one
// `refresh` authorization per sign-in and one `access` authorization per access token made from
// it. Revoking a refresh authorization ends its access tokens too. Each demo user also holds a
// few grants of other applications, so the Grants page has something to group.
import { LRUCache } from 'lru-cache'
import * as z from 'zod'
import { randomUUID } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { querySchema, valid, type ZodRoutes } from '../route-schema.ts'
import { apiError, ORG_ID, type EmulatorKit, type AuthorizationRecord, type IssuedToken } from './kit.ts'
import { DEMO_USERS, SANDBOX_ORG_ID, type DemoUser } from './users.ts'

export type { AuthorizationRecord } from './kit.ts'

/** The API's view of a record. */
export interface AuthorizationItem {
  id: string
  applicationId: string
  applicationName: string
  clientId: string
  personId: string
  created: string
  type: 'refresh' | 'access'
}

const MAX_RECORDS = 50_000

function webexId (type: string, id: string): string {
  return Buffer.from(`ciscospark://us/${type}/${id}`).toString('base64url')
}

/** Other applications the demo users have signed in to (client ids from Webex's public examples). */
const OTHER_APPLICATIONS = [
  {
    clientId: 'C64ab04639eefee4798f58e7bc3fe01d47161be0d97ff0d31e040a6ffe66d7f0a',
    applicationName: 'Webex Web Client'
  },
  { clientId: 'C80fb9c7096bd8474627317ee1d7a817eff372ca9c9cee3ce43c3ea3e8d1511ec', applicationName: 'Developer Portal' }
]

export class AuthorizationRegistry {
  /** Bounded: past MAX_RECORDS the least recently used record is forgotten, so a long run cannot leak. */
  readonly #records = new LRUCache<string, AuthorizationRecord>({ max: MAX_RECORDS })
  readonly #now: () => number

  constructor (users: readonly DemoUser[], now: () => number) {
    this.#now = now
    const seeded = new Date(Date.UTC(2026, 0, 15, 9, 0)).toISOString()
    for (const user of users) {
      for (const app of OTHER_APPLICATIONS) {
        this.#put({
          id: webexId('AUTHORIZATION', randomUUID()),
          type: 'refresh',
          ...app,
          personId: user.personId,
          created: seeded
        })
      }
    }
  }

  /** Every record, oldest first, as Webex lists a person's grants (reads peek, so the order stays the order made). */
  #all (): AuthorizationRecord[] {
    return [...this.#records.rvalues()].filter((r): r is AuthorizationRecord => r !== undefined)
  }

  #put (record: AuthorizationRecord): AuthorizationRecord {
    this.#records.set(record.id, record)
    return record
  }

  add (input: Omit<AuthorizationRecord, 'id' | 'created'>): AuthorizationRecord {
    // To the second, as Webex's examples give it (2015-10-18T14:26:16+00:00).
    return this.#put({
      ...input,
      id: webexId('AUTHORIZATION', randomUUID()),
      created: new Date(Math.floor(this.#now() / 1000) * 1000).toISOString()
    })
  }

  get (id: string): AuthorizationRecord | undefined {
    return this.#records.peek(id)
  }

  /** The grant a token was issued under, as only the issuer knows it (tests check the app's choice against it). */
  byToken (token: string): AuthorizationRecord | undefined {
    return this.#all().find((r) => r.token === token)
  }

  forPerson (personId: string): AuthorizationItem[] {
    return this.#all()
      .filter((r) => r.personId === personId)
      .map((r) => ({
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
  revoke (id: string): AuthorizationRecord[] {
    const record = this.#records.peek(id)
    if (record === undefined) return []
    const removed = [record, ...this.#all().filter((r) => r.parent === id)]
    for (const r of removed) this.#records.delete(r.id)
    return removed
  }

  /** Removes every authorization of a client (in the sandbox's one org). */
  revokeClient (clientId: string): AuthorizationRecord[] {
    const removed = this.#all().filter((r) => r.clientId === clientId)
    for (const r of removed) this.#records.delete(r.id)
    return removed
  }
}

const personQuery = z.object({ personId: z.string().optional(), personEmail: z.string().optional() })
const clientQuery = z.object({ clientId: z.string().optional(), orgId: z.string().optional() })
const authorizationParams = z.object({ authorizationId: z.string() })

/**
 * The Authorizations API (docs/webex-contract.md, "Authorizations"): a valid token with the
 * scope, held by an admin who is not a read-only one: Webex does not support read-only admins
 * there, for listing or revoking (wxc_sdk's Authorizations text).
 */
export function authorizationRoutes (app: ZodRoutes, grants: AuthorizationRegistry, kit: EmulatorKit): void {
  function caller (
    request: FastifyRequest,
    reply: FastifyReply,
    scope: 'identity:tokens_read' | 'identity:tokens_write',
    answer: (held: IssuedToken) => unknown
  ) {
    return kit.guarded('authorizations', request, reply, (held) => {
      if (!held.scopes.includes(scope)) {
        return apiError(reply, 403, `The access token was not issued for the ${scope} scope.`)
      }
      if (!held.user.admin) return apiError(reply, 403, 'The user is not an administrator of this organization.')
      if (held.user.readOnly === true) {
        return apiError(
          reply,
          403,
          'Read-only administrators are not supported: a full, user or device administrator must list or revoke authorizations.'
        )
      }
      return answer(held)
    })
  }

  app.get('/authorizations', querySchema(personQuery), (request, reply) =>
    caller(request, reply, 'identity:tokens_read', () => {
      const query: z.infer<typeof personQuery> = valid(request, request.query) ?? {}
      const personId = query.personId
      const personEmail = query.personEmail?.toLowerCase()
      if (personId === undefined && personEmail === undefined) {
        return apiError(reply, 400, 'Either personId or personEmail must be provided.')
      }
      const person = DEMO_USERS.find((u) => u.personId === personId || u.email === personEmail)
      if (person === undefined) return apiError(reply, 404, 'Person not found.')
      return reply.send({ items: grants.forPerson(person.personId) })
    })
  )

  app.delete('/authorizations/:authorizationId', { schema: { params: authorizationParams } }, (request, reply) =>
    caller(request, reply, 'identity:tokens_write', (held) => {
      const record = grants.get(request.params.authorizationId)
      if (record === undefined) return apiError(reply, 404, 'The requested resource could not be found.')
      if (record.personId === held.user.personId && record.clientId !== held.clientId) {
        return apiError(
          reply,
          403,
          'To delete your own authorization, the token must have been issued to the same client id.'
        )
      }
      kit.forget(grants.revoke(record.id))
      return reply.code(204).send()
    })
  )

  app.delete('/authorizations', querySchema(clientQuery), (request, reply) =>
    caller(request, reply, 'identity:tokens_write', () => {
      const query: z.infer<typeof clientQuery> = valid(request, request.query) ?? {}
      if (query.clientId === undefined || query.clientId === '') {
        return apiError(reply, 400, 'clientId is required.')
      }
      const orgId = query.orgId
      if (orgId !== undefined && orgId !== SANDBOX_ORG_ID && orgId !== ORG_ID) {
        return apiError(reply, 403, 'The organization is not the one of the access token.')
      }
      kit.forget(grants.revokeClient(query.clientId))
      return reply.code(204).send()
    })
  )
}
