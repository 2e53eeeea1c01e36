// The one Webex client: the token endpoint, the REST calls and OpenID, over one transport
// (src/webex: transport.ts, classify.ts, token-endpoint.ts, rest.ts, openid.ts, domain.ts).
import { AppError } from '../errors.ts'
import { orgIdFromToken, type Person } from './resources.ts'
import { openIdCalls } from './openid.ts'
import { restCalls } from './rest.ts'
import { tokenEndpoint } from './token-endpoint.ts'
import { createTransport, type TransportOptions } from './transport.ts'

/** The transport's options (the dispatcher, timeouts, how a retry waits), and the integration's id. */
export interface WebexClientOptions extends TransportOptions {
  clientId: string
}

export function createWebexClient (options: WebexClientOptions) {
  const now = options.now ?? Date.now
  const transport = createTransport({ ...options, now })
  const rest = restCalls(transport, { clientSecret: options.clientSecret, now })
  const { getJson, ...calls } = rest
  return {
    ...tokenEndpoint(transport, { clientId: options.clientId, clientSecret: options.clientSecret }, now),
    ...calls,
    ...openIdCalls(transport, getJson, { clientSecret: options.clientSecret, now }),
    /** Closes the client's own Agent, if it made one; a dispatcher passed in is the caller's to close. */
    close: transport.close
  }
}

export type WebexClient = ReturnType<typeof createWebexClient>

/** Whose token it is, for showing beside fresh tokens: a people/me failure only leaves it out. */
export async function personOf (webex: WebexClient, accessToken: string): Promise<Person | undefined> {
  try {
    return await webex.getMe(accessToken)
  } catch (err) {
    if (err instanceof AppError) return undefined
    throw err
  }
}

/** The org's name when the token may read it; most may not, so any failure leaves it out. */
export async function orgNameOf (
  webex: WebexClient,
  accessToken: string,
  orgId: string | undefined
): Promise<string | undefined> {
  if (orgId === undefined) return undefined
  try {
    return (await webex.getOrganization(accessToken, orgId)).displayName
  } catch (err) {
    if (err instanceof AppError) return undefined
    throw err
  }
}

/** Who signed in, to name beside fresh tokens: people/me and the org's name, each left out on a failure. */
export async function whoSignedIn (
  webex: WebexClient,
  accessToken: string
): Promise<{ person?: Person, orgName?: string }> {
  const person = await personOf(webex, accessToken)
  if (person === undefined) return {}
  const orgName = await orgNameOf(webex, accessToken, person.orgId ?? orgIdFromToken(accessToken))
  return orgName === undefined ? { person } : { person, orgName }
}
