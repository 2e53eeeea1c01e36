// Webex's REST calls made with an access token (docs/webex-contract.md): people/me, the org,
// a token's expiry, a Service App's tokens and the authorizations (OAuth grants) API. Idempotent
// GETs are retried on network errors, 5xx and short Retry-After waits; changes are sent once.
import * as z from 'zod'
import { AppError } from '../errors.ts'
import { classifyApiError, classifyWebexError, errorAnswer, jsonOf } from './classify.ts'
import {
  authorizationsAnswer,
  personAnswer,
  WEBEX_ID_PATTERN,
  type Authorization,
  type Person,
  type TokenSet
} from './resources.ts'
import { tokensOf } from './token-endpoint.ts'
import { answerFacts, type Answer, type Transport } from './transport.ts'

const organizationAnswer = z.object({ id: z.string(), displayName: z.string().optional() }).loose()
const tokenExpiryAnswer = z.object({ exp: z.coerce.number() }).loose()

/** An id for a URL path, checked: a bad_request before anything is sent. */
function pathId (id: string, what: string): string {
  if (!WEBEX_ID_PATTERN.test(id)) {
    throw new AppError('bad_request', {
      fact: { is: 'not_a_webex_id', what }
    })
  }
  return encodeURIComponent(id)
}

export interface RestOptions {
  /** Scrubbed from every answer's words, with the token of the call. */
  clientSecret: string
  now: () => number
}

export function restCalls (transport: Transport, options: RestOptions) {
  const { send } = transport
  const { now } = options
  const facts = (answer: Answer, secrets: ReadonlyArray<string | undefined>) =>
    answerFacts(answer, [...secrets, options.clientSecret], now())
  const apiFailure = (answer: Answer, bearer: string) =>
    classifyApiError(answer.status, answer.text, facts(answer, [bearer]))

  /** A DELETE is sent once: a retry after a lost answer would report 404 for what was in fact revoked. */
  async function remove (path: string, bearer: string): Promise<{ trackingId: string }> {
    const answer = await send('DELETE', path, { bearer })
    if (answer.status >= 200 && answer.status < 300) return { trackingId: answer.trackingId }
    throw apiFailure(answer, bearer)
  }

  /** Idempotent GETs are retried by the transport on network errors, 5xx and short Retry-After waits. */
  async function getJson<T> (path: string, bearer: string, schema: z.ZodType<T>, what: string): Promise<T> {
    const answer = await send('GET', path, { bearer, retry: true })
    if (answer.status >= 200 && answer.status < 300) return transport.parse(answer, schema, what)
    throw apiFailure(answer, bearer)
  }

  return {
    getJson,
    getMe (accessToken: string): Promise<Person> {
      return getJson('/people/me', accessToken, personAnswer, 'people/me')
    },
    getOrganization (accessToken: string, orgId: string): Promise<z.infer<typeof organizationAnswer>> {
      return getJson(`/organizations/${pathId(orgId, 'org id')}`, accessToken, organizationAnswer, 'organizations')
    },
    async getTokenExpiry (accessToken: string): Promise<Date> {
      const answer = await getJson('/authorizations/tokenExpiry', accessToken, tokenExpiryAnswer, 'tokenExpiry')
      return new Date(answer.exp)
    },
    /**
     * A Service App's tokens for an org ("Create Service App Access Token", docs/webex-contract.md,
     * "Service Apps"), asked for with an integration token holding spark:applications_token. Sent
     * once; the app's secret goes in the JSON body only and is scrubbed from Webex's words.
     */
    async serviceAppToken (
      accessToken: string,
      input: { applicationId: string, clientId: string, clientSecret: string, targetOrgId: string }
    ): Promise<TokenSet> {
      const issuedAt = now()
      const answer = await send('POST', `/applications/${pathId(input.applicationId, 'application id')}/token`, {
        bearer: accessToken,
        json: { clientId: input.clientId, clientSecret: input.clientSecret, targetOrgId: input.targetOrgId }
      })
      if (answer.status >= 200 && answer.status < 300) {
        return tokensOf(transport, answer, issuedAt, 'the Service App token request')
      }
      const error = classifyWebexError(answer.status, answer.text, facts(answer, [accessToken, input.clientSecret]))
      const message = errorAnswer.safeParse(jsonOf(answer.text)).data?.message ?? ''
      const words = `${error.details.webexDescription ?? ''} ${message}`.toLowerCase()
      const details = { ...error.details, fact: undefined, status: undefined }
      // Webex answers 400 "Invalid client credentials" / "The provided clientSecret is invalid"
      // (docs/webex-contract.md, "Service Apps").
      if (
        (answer.status === 400 || answer.status === 401) &&
        /client ?secret|client ?id|client credentials/.test(words)
      ) {
        throw new AppError('service_app_secret_invalid', details)
      }
      if (answer.status === 401) throw new AppError('token_invalid', details)
      if (answer.status === 403 && /scope|applications_token/.test(words)) {
        throw new AppError('forbidden', {
          ...details,
          fact: { is: 'applications_token_missing' }
        })
      }
      if (answer.status === 403) throw new AppError('service_app_not_authorized', details)
      if (answer.status === 404) {
        throw new AppError('webex_not_found', {
          ...details,
          fact: { is: 'service_app_unknown', applicationId: input.applicationId.slice(0, 200) }
        })
      }
      throw error
    },
    /** A person's grants, by id or email (docs/webex-contract.md, "Authorizations"); not paginated. */
    async listAuthorizations (
      accessToken: string,
      person: { personId: string } | { personEmail: string }
    ): Promise<Authorization[]> {
      const query =
        'personId' in person
          ? `personId=${encodeURIComponent(person.personId)}`
          : `personEmail=${encodeURIComponent(person.personEmail)}`
      return (await getJson(`/authorizations?${query}`, accessToken, authorizationsAnswer, 'authorizations')).items
    },
    /** Revokes one grant; a refresh grant takes its access tokens with it. */
    deleteAuthorization (accessToken: string, authorizationId: string): Promise<{ trackingId: string }> {
      return remove(`/authorizations/${pathId(authorizationId, 'grant id')}`, accessToken)
    },
    /** Revokes every grant of an integration in an org (the token's org when orgId is left out). */
    deleteClientAuthorizations (
      accessToken: string,
      clientId: string,
      orgId?: string
    ): Promise<{ trackingId: string }> {
      const query = `clientId=${pathId(clientId, 'client id')}${orgId === undefined ? '' : `&orgId=${pathId(orgId, 'org id')}`}`
      return remove(`/authorizations?${query}`, accessToken)
    }
  }
}
