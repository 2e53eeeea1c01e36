// OpenID Connect at Webex (docs/webex-contract.md, "OpenID Connect"): the discovery document,
// its signing keys (kept an hour, fetched again for a key id we do not know) and UserInfo.
import type { JWTVerifyGetKey } from 'jose'
import * as z from 'zod'
import { AppError } from '../errors.ts'
import { classifyWebexError } from './classify.ts'
import { answerFacts, type Answer, type Transport } from './transport.ts'

/** The OpenID discovery document: only what verification needs (docs/webex-contract.md, "OpenID Connect"). */
const discoveryAnswer = z
  .object({
    issuer: z.string().min(1).max(2048),
    jwks_uri: z.url().max(2048),
    userinfo_endpoint: z.url().max(2048).optional()
  })
  .loose()

/** UserInfo's answer: a JSON object of claims, read claim by claim in id-token.ts. */
const userInfoAnswer = z.record(z.string(), z.unknown())

const jwksAnswer = z.object({ keys: z.array(z.object({ kty: z.string() }).loose()).max(100) }).loose()

export interface OpenIdKeys {
  issuer: string
  /** The signing keys: a remote key set (jose's, at jwks_uri), or a key set at hand (tests). */
  jwks: JWTVerifyGetKey | { keys: Array<Record<string, unknown>> }
  /**
   * Where the claims of the email, profile, phone and address scopes come from
   * (docs/webex-contract.md, "OpenID Connect").
   */
  userinfoEndpoint?: string
}

/** Discovery and keys are kept this long; an unknown key id fetches the keys again (jose's cooldown aside). */
const OPENID_CACHE_MS = 60 * 60 * 1000

type GetJson = <T>(path: string, bearer: string, schema: z.ZodType<T>, what: string) => Promise<T>

export function openIdCalls (
  transport: Transport,
  getJson: GetJson,
  options: { clientSecret: string, now: () => number }
) {
  const { send, base } = transport
  const { now } = options
  const failure = (answer: Answer) =>
    classifyWebexError(answer.status, answer.text, answerFacts(answer, [options.clientSecret], now()))

  let openId: { keys: OpenIdKeys, at: number } | undefined
  let keySet: { url: string, keys: JWTVerifyGetKey } | undefined

  /**
   * jose's remote key set at jwks_uri: fetched on first use, kept an hour, fetched again for a
   * key id it does not know (once in 30 s at most). It fetches through this client's transport,
   * so the keys come with its timeouts, size cap and tracking id, and a failure is Webex's
   * (webex_unavailable), not the id_token's.
   */
  async function remoteKeys (url: URL): Promise<JWTVerifyGetKey> {
    if (keySet?.url === url.href) return keySet.keys
    const { createRemoteJWKSet, customFetch } = await import('jose')
    const viaTransport = async (href: string): Promise<Response> => {
      const jwks = await getPublic(href, jwksAnswer, 'the OpenID key set')
      return new Response(JSON.stringify(jwks), { status: 200, headers: { 'content-type': 'application/json' } })
    }
    const keys = createRemoteJWKSet(url, { cacheMaxAge: OPENID_CACHE_MS, [customFetch]: viaTransport })
    keySet = { url: url.href, keys }
    return keySet.keys
  }

  /** A JSON document fetched without a token (discovery, keys); not retried: a failure is reported at once. */
  async function getPublic<T> (path: string, schema: z.ZodType<T>, what: string): Promise<T> {
    const answer = await send('GET', path, {})
    if (answer.status < 200 || answer.status >= 300) throw failure(answer)
    return transport.parse(answer, schema, what)
  }

  /**
   * The issuer, UserInfo endpoint and signing keys from `{base}/.well-known/openid-configuration`,
   * kept for an hour; the keys are jose's remote set at its `jwks_uri`.
   */
  async function openIdKeys (): Promise<OpenIdKeys> {
    if (openId !== undefined && now() - openId.at < OPENID_CACHE_MS) return openId.keys
    const discovery = await getPublic(
      '/.well-known/openid-configuration',
      discoveryAnswer,
      'the OpenID discovery document'
    )
    const jwksUrl = new URL(discovery.jwks_uri)
    // Keys come over TLS, or from the same origin as the API (the loopback sandbox); so does
    // UserInfo, which is sent the access token.
    const trusted = (url: URL) => url.protocol === 'https:' || url.origin === new URL(base).origin
    if (!trusted(jwksUrl)) {
      throw new AppError('webex_unavailable', {
        fact: { is: 'openid_keys_insecure' }
      })
    }
    const userinfo = discovery.userinfo_endpoint === undefined ? undefined : new URL(discovery.userinfo_endpoint)
    const jwks = await remoteKeys(jwksUrl)
    openId = {
      keys: {
        issuer: discovery.issuer,
        jwks,
        ...(userinfo !== undefined && trusted(userinfo) ? { userinfoEndpoint: userinfo.toString() } : {})
      },
      at: now()
    }
    return openId.keys
  }

  return {
    openIdKeys,
    /** The claims UserInfo gives for an access token, at the discovery document's userinfo_endpoint. */
    async getUserInfo (accessToken: string): Promise<Record<string, unknown>> {
      const endpoint = (await openIdKeys()).userinfoEndpoint
      if (endpoint === undefined) {
        throw new AppError('webex_unavailable', {
          fact: { is: 'openid_no_userinfo' }
        })
      }
      return getJson(endpoint, accessToken, userInfoAnswer, 'UserInfo')
    }
  }
}
