// The emulator's demo Service Apps (docs/webex-contract.md, "Service Apps"): machine accounts
// that a full admin authorizes per org in Control Hub. One is authorized in the sandbox org and
// one is not yet, so both answers of POST /applications/{id}/token can be seen.
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
