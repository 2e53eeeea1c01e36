// The scope catalogue: scopes/*.json parsed with zod once at start-up into a frozen, indexed value.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as z from 'zod'
import { SCOPE_PATTERN, sparkAllConflicts, sparkAllProblem } from './rules.ts'

export { SCOPE_PATTERN }

export const FAMILIES = {
  admin: {
    title: 'Admin (spark-admin)',
    blurb: 'Org-wide administration. The signing-in user needs an admin role in Control Hub.'
  },
  compliance: {
    title: 'Compliance (spark-compliance)',
    blurb: 'eDiscovery and retention across the org. The signing-in user needs the Compliance Officer role.'
  },
  audit: { title: 'Audit', blurb: 'The admin audit log. Must be authorized by a full admin.' },
  analytics: { title: 'Analytics', blurb: 'Reports and historical analytics. Needs Pro Pack and an admin.' },
  identity: {
    title: 'Identity (SCIM 2 and tokens)',
    blurb: 'Users, groups and tokens through the identity APIs. Needs an admin role.'
  },
  'meeting-admin': {
    title: 'Meetings, admin level',
    blurb: 'Meetings of every user in the org. Needs the meeting admin role.'
  },
  'contact-center': {
    title: 'Contact Center (cjp, cjds)',
    blurb: 'Webex Contact Center configuration, tasks and data. Needs a Contact Center licence and role.'
  },
  user: {
    title: 'User scopes (spark, meeting)',
    blurb:
      'Act as the signing-in user. spark:all covers the messaging user scopes marked below; scopes it does not cover, such as spark:kms and spark:xapi_*, may join it.'
  },
  platform: {
    title: 'Guests, support and service apps',
    blurb: 'Guest identities issued by service apps, and support issues.'
  },
  openid: {
    title: 'OpenID Connect',
    blurb:
      'Sign-in with Webex: the answer carries a signed id_token, which this app verifies. Need not be registered on the integration.'
  }
} as const

export type Family = keyof typeof FAMILIES

export const ROLES = {
  any_user: 'Any user',
  admin: 'An admin (full or read-only)',
  full_admin: 'Full admin',
  user_admin: 'Full admin or user admin',
  compliance_officer: 'Compliance Officer',
  meeting_admin: 'Meeting admin',
  partner_admin: 'Partner admin',
  calling_cdr_admin: 'Admin with the Detailed Call History API access role',
  pro_pack_admin: 'Admin, with Pro Pack',
  contact_center: 'Contact Center role (licence needed)'
} as const

export type Role = keyof typeof ROLES

export const RISKS = {
  org_wide_write: 'Writes org-wide',
  message_content: 'Message or recording content',
  spark_all: 'Full user access (spark:all)',
  call_records: 'Call records with phone numbers',
  credentials: 'Creates or revokes credentials'
} as const

export type Risk = keyof typeof RISKS

const familyIds = Object.keys(FAMILIES) as [Family, ...Family[]]
const roleIds = Object.keys(ROLES) as [Role, ...Role[]]
const riskIds = Object.keys(RISKS) as [Risk, ...Risk[]]

const scopeEntry = z.strictObject({
  id: z.string({ error: 'missing id' }).regex(SCOPE_PATTERN, 'malformed id'),
  family: z.enum(familyIds, { error: 'unknown family' }),
  description: z.string({ error: 'missing description' }).trim().min(1, 'missing description'),
  access: z.enum(['read', 'write'], { error: 'access must be "read" or "write"' }),
  role: z.enum(roleIds, { error: 'unknown role' }),
  who: z.string().min(1),
  risk: z.array(z.enum(riskIds, { error: 'unknown risk mark' })),
  notes: z.string().min(1).optional(),
  /** Where the scope was confirmed: a repository, file and commit, or a page. */
  source: z.string({ error: 'missing source' }).trim().min(1, 'missing source'),
  /** Why and since when the scope is deprecated, and what replaces it. */
  deprecated: z.string().min(1).optional(),
  /** spark:all already covers this scope, so it may not be requested beside it. */
  inSparkAll: z.literal(true).optional(),
  /** Webex documents this scope for Service App tokens only: a person's sign-in that asks for it is warned. */
  serviceAppOnly: z.literal(true).optional()
})

const scopeFile = z.strictObject({ scopes: z.array(z.unknown()).min(1, 'no scopes') })

const presetsFile = z.strictObject({
  presets: z.array(
    z.strictObject({
      id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'malformed preset id'),
      name: z.string().trim().min(1, 'missing name'),
      purpose: z.string().trim().min(1, 'missing purpose'),
      scopes: z.array(z.string()).min(1, 'no scopes')
    })
  )
})

export type Scope = z.infer<typeof scopeEntry>
export type Preset = z.infer<typeof presetsFile>['presets'][number]

export interface Catalogue {
  readonly scopes: readonly Scope[]
  readonly byId: ReadonlyMap<string, Scope>
  readonly families: ReadonlyArray<{ id: Family, title: string, blurb: string, scopes: readonly Scope[] }>
  readonly presets: readonly Preset[]
}

export class CatalogueError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CatalogueError'
  }
}

function parseJson (name: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new CatalogueError(`scopes/${name}: not valid JSON`)
  }
}

/** Presets may name only catalogue scopes, and must obey the spark:all rule themselves. */
function parsePresets (text: string, byId: ReadonlyMap<string, Scope>): Preset[] {
  const parsed = presetsFile.safeParse(parseJson(PRESETS_FILE, text))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new CatalogueError(`scopes/${PRESETS_FILE}: ${issue?.message ?? 'invalid'} (${issue?.path.join('.') ?? ''})`)
  }
  const seen = new Set<string>()
  for (const preset of parsed.data.presets) {
    if (seen.has(preset.id)) throw new CatalogueError(`scopes/${PRESETS_FILE}: preset "${preset.id}": duplicate id`)
    seen.add(preset.id)
    const unknown = preset.scopes.filter((id) => !byId.has(id))
    if (unknown.length > 0) {
      throw new CatalogueError(`scopes/${PRESETS_FILE}: preset "${preset.id}": unknown scope ${unknown.join(', ')}`)
    }
    const conflicts = sparkAllConflicts(preset.scopes, (id) => byId.get(id)?.inSparkAll === true)
    if (conflicts.length > 0) {
      throw new CatalogueError(`scopes/${PRESETS_FILE}: preset "${preset.id}": ${sparkAllProblem(conflicts)}`)
    }
  }
  return parsed.data.presets.map((p) => Object.freeze(p))
}

export const PRESETS_FILE = 'presets.json'

/** Parses the catalogue from file name → file text; every problem names the file and the entry. */
export function parseCatalogue (files: ReadonlyArray<{ name: string, text: string }>): Catalogue {
  const byId = new Map<string, Scope>()
  const where = new Map<string, string>()
  const presets = files.find((f) => f.name === PRESETS_FILE)
  for (const { name, text } of files.filter((f) => f.name !== PRESETS_FILE)) {
    const json = parseJson(name, text)
    const file = scopeFile.safeParse(json)
    if (!file.success) {
      throw new CatalogueError(
        `scopes/${name}: expected { "scopes": [ … ] } (${file.error.issues[0]?.message ?? 'bad shape'})`
      )
    }
    file.data.scopes.forEach((raw, index) => {
      const label =
        typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string'
          ? `"${raw.id}"`
          : `#${index + 1}`
      const entry = scopeEntry.safeParse(raw)
      if (!entry.success) {
        const issue = entry.error.issues[0]
        const field = issue?.path.join('.') ?? ''
        throw new CatalogueError(
          `scopes/${name}: entry ${label}: ${issue?.message ?? 'invalid'}${field === '' ? '' : ` (${field})`}`
        )
      }
      const previous = where.get(entry.data.id)
      if (previous !== undefined) {
        throw new CatalogueError(`scopes/${name}: entry ${label}: duplicate id, already defined in scopes/${previous}`)
      }
      where.set(entry.data.id, name)
      byId.set(entry.data.id, Object.freeze(entry.data))
    })
  }
  const scopes = [...byId.values()]
  const families = familyIds
    .map((id) => ({ id, ...FAMILIES[id], scopes: scopes.filter((s) => s.family === id) }))
    .filter((f) => f.scopes.length > 0)
  return Object.freeze({
    scopes,
    byId,
    families,
    presets: presets === undefined ? [] : parsePresets(presets.text, byId)
  })
}

/** Reads every scopes/*.json file of a directory (presets.json holds the presets). Called once at start-up. */
export function loadCatalogue (dir: string): Catalogue {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
  if (names.length === 0) throw new CatalogueError(`${dir}: no scope files`)
  return parseCatalogue(names.map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') })))
}

/** Roles from the most to the least demanding: the order groups are listed in. */
const ROLE_ORDER: readonly Role[] = [
  'compliance_officer',
  'calling_cdr_admin',
  'pro_pack_admin',
  'partner_admin',
  'full_admin',
  'user_admin',
  'contact_center',
  'meeting_admin',
  'admin',
  'any_user'
]

/**
 * Requested scopes that need one role; `needsRole` is false for scopes any user may grant and for ids
 * not in the catalogue.
 */
export interface RoleGroup {
  role: string
  scopes: string[]
  needsRole: boolean
}

/**
 * The scopes of a refused sign-in grouped by the role each needs (docs/webex-contract.md,
 * "Scopes"), most demanding first, ids not in the catalogue last.
 */
export function roleGroups (catalogue: Catalogue, scopes: readonly string[]): RoleGroup[] {
  const groups = new Map<Role | undefined, string[]>()
  for (const id of scopes) {
    const role = catalogue.byId.get(id)?.role
    groups.set(role, [...(groups.get(role) ?? []), id])
  }
  const rank = (role: Role | undefined) => (role === undefined ? ROLE_ORDER.length : ROLE_ORDER.indexOf(role))
  return [...groups]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([role, ids]) => ({
      role:
        role === undefined
          ? 'Unknown (not in the catalogue)'
          : role === 'any_user'
            ? 'No role (any user)'
            : ROLES[role],
      scopes: ids,
      needsRole: role !== undefined && role !== 'any_user'
    }))
}

/**
 * What an invalid_scope says about the groups. Webex names neither the user's roles nor the
 * scope it refused, so no role is named as the cause where several could be; when the scopes
 * fall into more than one group, signing in with each group alone finds the culprit.
 */
export function invalidScopeExplanation (groups: readonly RoleGroup[]): { text: string, retryEachGroup: boolean } {
  const bound = groups.filter((g) => g.needsRole)
  const retryEachGroup = groups.length > 1
  const each = retryEachGroup ? ' Sign in with each group alone to find out which.' : ''
  if (bound.length > 1) {
    return {
      retryEachGroup,
      text: `These scopes need ${bound.length} different roles (${bound.map((g) => g.role).join('; ')}). Webex does not say which one the user who signed in lacks, nor whether a scope is not registered on the integration.${each}`
    }
  }
  if (bound.length === 1) {
    return {
      retryEachGroup,
      text: `The scopes that need a role all need the same one: ${bound[0]?.role ?? ''}. Either the user who signed in does not hold it, or a scope is not registered on the integration.${each}`
    }
  }
  return {
    retryEachGroup,
    text: `None of these scopes needs a role, so a scope is not registered on the integration, or is mistyped: compare them with the integration's page on the developer portal.${each}`
  }
}
