// The sandbox's org and demo users: a full admin, a read-only admin, a compliance officer, and a user
// with no admin role.

export const SANDBOX_ORG_ID = '5b1f2e3a-8c4d-4f6e-9a7b-0c1d2e3f4a5b'
export const SANDBOX_ORG_NAME = 'Sandbox Org (demo)'
import { FULL_ADMIN_ROLE, READONLY_ADMIN_ROLE } from '../webex/resources.ts'

export interface DemoUser {
  key: 'admin' | 'readonly' | 'compliance' | 'user' | 'machine'
  personId: string
  displayName: string
  firstName: string
  lastName: string
  email: string
  /** Shared at UserInfo with the phone scope. */
  phone?: string
  roles: string[]
  /** Holds an admin role in Control Hub: may be granted spark-admin:* and the other admin families. */
  admin: boolean
  /**
   * An admin who may read but change nothing: lists grants, cannot revoke them
   * (docs/webex-contract.md, "Authorizations").
   */
  readOnly?: boolean
  /** Holds the Compliance Officer role: may be granted spark-compliance:*. */
  complianceOfficer: boolean
  summary: string
}

function personId (n: number): string {
  return Buffer.from(`ciscospark://us/PEOPLE/00000000-0000-4000-8000-00000000000${n}`).toString('base64url')
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    key: 'admin',
    personId: personId(1),
    displayName: 'Avery Admin',
    firstName: 'Avery',
    lastName: 'Admin',
    email: 'avery.admin@sandbox.example.com',
    phone: '+1 408 555 0101',
    roles: [FULL_ADMIN_ROLE],
    admin: true,
    complianceOfficer: false,
    summary: 'Full administrator: may grant spark-admin, audit, identity, analytics and meeting admin scopes'
  },
  {
    key: 'readonly',
    personId: personId(4),
    displayName: 'Riley Readonly',
    firstName: 'Riley',
    lastName: 'Readonly',
    email: 'riley.readonly@sandbox.example.com',
    phone: '+1 408 555 0102',
    roles: [READONLY_ADMIN_ROLE],
    admin: true,
    readOnly: true,
    complianceOfficer: false,
    summary:
      'Read-only administrator: may grant admin scopes, but the admin APIs refuse every change (such as revoking grants)'
  },
  {
    key: 'compliance',
    personId: personId(2),
    displayName: 'Casey Compliance',
    firstName: 'Casey',
    lastName: 'Compliance',
    email: 'casey.compliance@sandbox.example.com',
    phone: '+1 408 555 0103',
    roles: [],
    admin: false,
    complianceOfficer: true,
    summary: 'Compliance Officer: may grant spark-compliance scopes, but no admin scopes'
  },
  {
    key: 'user',
    personId: personId(3),
    displayName: 'Robin User',
    firstName: 'Robin',
    lastName: 'User',
    email: 'robin.user@sandbox.example.com',
    phone: '+1 408 555 0104',
    roles: [],
    admin: false,
    complianceOfficer: false,
    summary: 'No admin role: may grant only user scopes (spark:*, meeting:*)'
  }
]

/** Which role a scope needs, from its prefix, as Webex decides entitlement (docs/webex-contract.md, "Scopes"). */
export function entitled (user: DemoUser, scope: string): boolean {
  if (scope.startsWith('spark-compliance:') || scope.startsWith('spark-admin:messages_')) return user.complianceOfficer
  // spark:applications_token needs an admin, as the catalogue says (docs/webex-contract.md, "Service Apps").
  if (
    /^(spark-admin|audit|identity|analytics|cjp|cjp-analyzer|cjds|cloud-contact-center):/i.test(scope) ||
    scope.startsWith('meeting:admin_') ||
    scope.startsWith('support:org_') ||
    scope === 'spark:applications_token'
  ) {
    return user.admin
  }
  return true
}
