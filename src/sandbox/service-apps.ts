// The emulator's demo Service Apps and their token endpoint (docs/webex-contract.md, "Service Apps"): machine accounts
// that a full admin authorizes per org in Control Hub. One is authorized in the sandbox org and
// one is not yet, so both answers of POST /applications/{id}/token can be seen.
import { bodyOrEmpty, valid, type ZodRoutes } from '../route-schema.ts'
import * as z from 'zod'
import { apiError, ORG_ID, same, type EmulatorKit } from './kit.ts'
import { SANDBOX_ORG_ID, SANDBOX_ORG_NAME, type DemoUser } from './users.ts'

export interface DemoServiceApp {
  applicationId: string
  clientId: string
  clientSecret: string
  name: string
  /** The scopes the app was registered with; its tokens carry these. */
  scopes: string[]
  /** Orgs whose full admin authorized the app. */
  authorizedOrgs: string[]
  /** Its machine account, whom people/me names for its tokens. */
  machine: DemoUser
}

function base64url (text: string): string {
  return Buffer.from(text).toString('base64url')
}

function demoApp (n: number, name: string, slug: string, authorized: boolean): DemoServiceApp {
  const clientId = `C0sandbox0service0app0${slug}`
  return {
    applicationId: base64url(`ciscospark://us/APPLICATION/${clientId}`),
    clientId,
    clientSecret: `sandbox-service-app-secret-${slug}`,
    name,
    scopes: ['spark-admin:people_read', 'spark-admin:licenses_read', 'spark-admin:organizations_read'],
    authorizedOrgs: authorized ? [SANDBOX_ORG_ID] : [],
    machine: {
      key: 'machine',
      personId: base64url(`ciscospark://us/PEOPLE/00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`),
      displayName: name,
      firstName: name,
      lastName: '',
      email: `${slug}@machines.sandbox.example.com`,
      roles: [],
      admin: true,
      complianceOfficer: false,
      summary: `Machine account of ${name} in ${SANDBOX_ORG_NAME}`
    }
  }
}

export const DEMO_SERVICE_APPS: readonly DemoServiceApp[] = [
  demoApp(1, 'Directory Sync (demo service app)', 'directorysync', true),
  demoApp(2, 'Room Booker (demo, not authorized yet)', 'roombooker', false)
]

const applicationParams = z.object({ applicationId: z.string() })

const serviceAppBody = z.object({
  clientId: z.string().max(512),
  clientSecret: z.string().max(512),
  targetOrgId: z.string().max(1000)
})

/**
 * "Create Service App Access Token" (docs/webex-contract.md, "Service Apps"): an integration
 * token with spark:applications_token, the app's own credentials, and an org whose full admin
 * authorized the app; the tokens belong to the app's machine account.
 */
export function serviceAppRoutes (app: ZodRoutes, kit: EmulatorKit): void {
  const route = { schema: { body: bodyOrEmpty(serviceAppBody), params: applicationParams }, attachValidation: true }
  app.post('/applications/:applicationId/token', route, (request, reply) =>
    kit.guarded('serviceApps', request, reply, (held) => {
      if (!held.scopes.includes('spark:applications_token')) {
        return apiError(reply, 403, 'The access token was not issued for the spark:applications_token scope.')
      }
      const serviceApp = DEMO_SERVICE_APPS.find((a) => a.applicationId === request.params.applicationId)
      if (serviceApp === undefined) return apiError(reply, 404, 'Application not found.')
      const body = valid(request, request.body)
      if (body === undefined) return apiError(reply, 400, 'clientId, clientSecret and targetOrgId are required.')
      // Webex's words for a wrong secret, from its admin API spec (docs/webex-contract.md, "Service Apps").
      if (body.clientId !== serviceApp.clientId || !same(body.clientSecret, serviceApp.clientSecret)) {
        return apiError(reply, 400, 'Invalid client credentials', 'The provided clientSecret is invalid')
      }
      const org = body.targetOrgId === ORG_ID ? SANDBOX_ORG_ID : body.targetOrgId
      if (!serviceApp.authorizedOrgs.includes(org)) {
        return apiError(reply, 403, 'The service app is not authorized in the target organization.')
      }
      const { answer, accessToken, refreshToken } = kit.issue({
        clientId: serviceApp.clientId,
        user: serviceApp.machine,
        scopes: serviceApp.scopes
      })
      // Webex's example answer has no scope field (docs/webex-contract.md, "Service Apps").
      delete answer.scope
      kit.record({ code: '', accessToken, refreshToken, user: serviceApp.machine.key })
      return reply.header('cache-control', 'no-store').send(answer)
    })
  )
}
