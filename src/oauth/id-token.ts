// OpenID Connect: the id_token in a token answer is verified with jose before any claim is
// shown: signature against the keys of the discovery document's jwks_uri, iss (the discovery
// issuer, or another of Webex's identity brokers), aud = our client id, exp and iat, and the
// nonce this flow sent. The claims of the email, profile, phone and address scopes come from
// UserInfo, whose sub must be the id_token's (docs/webex-contract.md, "OpenID Connect").
// The web app and the CLI both finish a sign-in through exchangeAndVerify.
import { timingSafeEqual } from 'node:crypto'
import type { JWTPayload } from 'jose'
import { AppError, type ErrorFact } from '../errors.ts'
import type { WebexClient } from '../webex/client.ts'
import type { TokenSet } from '../webex/resources.ts'
import type { FlowState } from './flow.ts'

/** The asymmetric algorithms an OpenID provider signs with; `none` and HMAC are never accepted. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384']
/** Clocks differ a little between machines. */
const CLOCK_TOLERANCE_S = 60

/** The claims shown on the tokens page and written to the files: never trusted before verification. */
export interface IdClaims {
  subject: string
  issuer: string
  email?: string
  emailVerified?: boolean
  name?: string
  givenName?: string
  familyName?: string
  phoneNumber?: string
  address?: string
  locale?: string
  issuedAt?: Date
  expiresAt?: Date
  /** Why UserInfo's claims are not shown, when they were asked for and could not be used. */
  userInfoProblem?: string
}

/** The scopes whose claims Webex gives at UserInfo, not in the id_token. */
export const USERINFO_SCOPES: readonly string[] = ['email', 'profile', 'phone', 'address']

/**
 * Webex's identity brokers: idbroker.webex.com and its regional twins (idbroker-eu,
 * idbroker-b-us, idbroker-ca, …). Webex's discovery names one while its id_tokens may carry
 * another (docs/webex-contract.md, "OpenID Connect: the issuer").
 */
const WEBEX_IDENTITY_BROKER = /^https:\/\/idbroker(?:-[a-z0-9]{1,8}){0,2}\.webex\.com\/idb$/

/**
 * Whether an id_token's `iss` is acceptable for a discovery document's `issuer`: the same, or,
 * when discovery names one of Webex's identity brokers, another of them. The signature is
 * checked against the discovery document's keys either way.
 */
export function issuerAccepted (iss: string, discoveryIssuer: string): boolean {
  return iss === discoveryIssuer || (WEBEX_IDENTITY_BROKER.test(discoveryIssuer) && WEBEX_IDENTITY_BROKER.test(iss))
}

function text (value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 256) : undefined
}

/** An address claim as one line: its `formatted` text, or its parts; a plain string as it is. */
function addressText (value: unknown): string | undefined {
  if (typeof value === 'string') return text(value)
  if (typeof value !== 'object' || value === null) return undefined
  const parts = value as Record<string, unknown>
  return (
    text(parts.formatted) ??
    text(
      ['street_address', 'locality', 'region', 'postal_code', 'country']
        .map((k) => text(parts[k]))
        .filter((p) => p !== undefined)
        .join(', ')
    )
  )
}

function claimsOf (payload: JWTPayload): IdClaims {
  const claims: IdClaims = { subject: text(payload.sub) ?? '', issuer: text(payload.iss) ?? '' }
  const optional: Array<[keyof IdClaims, unknown]> = [
    ['email', text(payload.email)],
    // Webex sends the string "true".
    [
      'emailVerified',
      typeof payload.email_verified === 'boolean'
        ? payload.email_verified
        : payload.email_verified === 'true'
          ? true
          : payload.email_verified === 'false'
            ? false
            : undefined
    ],
    ['name', text(payload.name)],
    ['givenName', text(payload.given_name)],
    ['familyName', text(payload.family_name)],
    // Webex names it phone; OpenID Connect, phone_number.
    ['phoneNumber', text(payload.phone) ?? text(payload.phone_number)],
    ['address', addressText(payload.address)],
    ['locale', text(payload.locale)],
    ['issuedAt', typeof payload.iat === 'number' ? new Date(payload.iat * 1000) : undefined],
    ['expiresAt', typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined]
  ]
  for (const [key, value] of optional) if (value !== undefined) Object.assign(claims, { [key]: value })
  return claims
}

function invalid (fact: ErrorFact): AppError {
  return new AppError('id_token_invalid', { fact })
}

/** What each way verification fails is (worded by the web and the CLI); jose's own messages are not shown. */
function factOf (errors: typeof import('jose').errors, err: unknown): ErrorFact {
  if (err instanceof errors.JWTExpired) return { is: 'id_token_expired' }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return { is: 'id_token_audience' }
    if (err.claim === 'iss') return { is: 'id_token_issuer' }
    if (err.claim === 'iat' || err.claim === 'nbf') return { is: 'id_token_not_yet_valid' }
    return { is: 'id_token_claim', claim: err.claim.slice(0, 40) }
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return { is: 'id_token_signature' }
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return { is: 'id_token_unknown_key' }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return { is: 'id_token_algorithm' }
  }
  return { is: 'id_token_malformed' }
}

/** Verifies an id_token; returns its claims or throws id_token_invalid with a specific reason. */
export async function verifyIdToken (
  webex: Pick<WebexClient, 'openIdKeys'>,
  idToken: string,
  expected: { clientId: string, nonce: string, now: number }
): Promise<IdClaims> {
  // jose is loaded by the first OpenID sign-in, not at start-up: most sign-ins never need it.
  const { createLocalJWKSet, errors, jwtVerify } = await import('jose')
  const keys = await webex.openIdKeys()
  const getKey = typeof keys.jwks === 'function'
    ? keys.jwks
    : createLocalJWKSet(keys.jwks as Parameters<typeof createLocalJWKSet>[0])
  let payload: JWTPayload
  try {
    const verified = await jwtVerify(idToken, getKey, {
      audience: expected.clientId,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(expected.now),
      requiredClaims: ['sub', 'exp', 'iat', 'iss']
    })
    payload = verified.payload
  } catch (err) {
    // A key set Webex could not give is Webex's failure; anything else is the id_token's.
    if (err instanceof AppError) throw err
    throw invalid(factOf(errors, err))
  }
  if (!issuerAccepted(String(payload.iss), keys.issuer)) {
    throw invalid({ is: 'id_token_issuer' })
  }
  // OpenID Connect Core §3.1.3.7: jose checks iat's type, not that it is not in the future.
  if (typeof payload.iat === 'number' && payload.iat > expected.now / 1000 + CLOCK_TOLERANCE_S) {
    throw invalid({ is: 'id_token_not_yet_valid' })
  }
  // With several audiences, azp must name this client; and an azp present must be this client.
  const audiences = [payload.aud].flat()
  if (audiences.length > 1 && payload.azp === undefined) {
    throw invalid({ is: 'id_token_several_audiences' })
  }
  if (payload.azp !== undefined && payload.azp !== expected.clientId) {
    throw invalid({ is: 'id_token_authorized_party' })
  }
  const nonce = typeof payload.nonce === 'string' ? Buffer.from(payload.nonce) : undefined
  const sent = Buffer.from(expected.nonce)
  if (nonce === undefined || nonce.length !== sent.length || !timingSafeEqual(nonce, sent)) {
    throw invalid({ is: 'id_token_nonce' })
  }
  return claimsOf(payload)
}

/**
 * The id_token's claims with UserInfo's, for a sign-in that asked for any of USERINFO_SCOPES.
 * UserInfo answering for another subject, or not at all, leaves its claims out and says why:
 * the tokens are good either way, and are never lost for it.
 */
async function withUserInfo (
  webex: Pick<WebexClient, 'getUserInfo'>,
  accessToken: string,
  claims: IdClaims
): Promise<IdClaims> {
  let info: Record<string, unknown>
  try {
    info = await webex.getUserInfo(accessToken)
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    return {
      ...claims,
      userInfoProblem: `Webex's UserInfo endpoint did not give the claims: ${err.details.reason ?? err.details.webexDescription ?? err.kind}`
    }
  }
  if (info.sub !== claims.subject) {
    return {
      ...claims,
      userInfoProblem:
        "Webex's UserInfo answered for another person (its sub is not the id_token's), so its claims were not used."
    }
  }
  // Who and when stay the verified id_token's; UserInfo adds what the person shared.
  return {
    ...claims,
    ...claimsOf({ ...info, sub: claims.subject, iss: claims.issuer, iat: undefined, exp: undefined })
  }
}

/**
 * Exchanges a code and, for an OpenID sign-in, verifies the id_token. With `openid`
 * requested an id_token must come back; one that comes back unasked is verified too.
 */
export async function exchangeAndVerify (
  webex: Pick<WebexClient, 'exchangeCode' | 'openIdKeys' | 'getUserInfo'>,
  input: {
    code: string
    /** The sign-in's flow: its PKCE verifier, nonce and requested scopes. */
    flow: Pick<FlowState, 'verifier' | 'nonce' | 'scopes'>
    /** The integration: its client id and the redirect URI the sign-in used. */
    client: { clientId: string, redirectUri: string }
    now: () => number
  }
): Promise<{ tokens: TokenSet, idClaims?: IdClaims }> {
  const { flow, client } = input
  const { code, now } = input
  const tokens = await webex.exchangeCode({ code, redirectUri: client.redirectUri, codeVerifier: flow.verifier })
  if (tokens.idToken === undefined) {
    if (flow.scopes.includes('openid')) throw invalid({ is: 'id_token_missing' })
    return { tokens }
  }
  if (flow.nonce === undefined) {
    throw invalid({ is: 'id_token_unasked' })
  }
  const expected = { clientId: client.clientId, nonce: flow.nonce, now: now() }
  const verified = await verifyIdToken(webex, tokens.idToken, expected)
  const idClaims = flow.scopes.some((s) => USERINFO_SCOPES.includes(s))
    ? await withUserInfo(webex, tokens.accessToken, verified)
    : verified
  return { tokens, idClaims }
}
