// The sandbox's people/me, organizations/{orgId} and authorizations/tokenExpiry
// (docs/webex-contract.md, "People, organizations, token expiry"), on the emulator's kit.
import type { FastifyInstance } from 'fastify'
import { apiError, ORG_ID, type EmulatorKit } from './kit.ts'
import { SANDBOX_ORG_NAME } from './users.ts'

export function peopleRoutes (app: FastifyInstance, kit: EmulatorKit): void {
  app.get('/people/me', (request, reply) =>
    kit.guarded('me', request, reply, ({ user }) =>
      reply.send({
        id: user.personId,
        emails: [user.email],
        displayName: user.displayName,
        firstName: user.firstName,
        lastName: user.lastName,
        orgId: ORG_ID,
        // appuser means a guest (wxc_sdk's PersonType); a machine account is not one. Which type Webex
        // gives a Service App's machine account is unconfirmed (docs/webex-contract.md, "Service Apps").
        type: user.key === 'machine' ? 'bot' : 'person',
        ...(user.roles.length > 0 ? { roles: user.roles } : {})
      })
    )
  )
  app.get<{ Params: { orgId: string } }>('/organizations/:orgId', (request, reply) =>
    kit.guarded('organizations', request, reply, ({ user }) => {
      if (!user.admin) return apiError(reply, 403, 'The user is not an administrator of this organization.')
      return reply.send({
        id: request.params.orgId,
        displayName: SANDBOX_ORG_NAME,
        created: '2024-01-15T09:00:00.000Z'
      })
    })
  )
  app.get('/authorizations/tokenExpiry', (request, reply) =>
    kit.guarded('tokenExpiry', request, reply, (held) => reply.send({ exp: held.expiresAt }))
  )
}
