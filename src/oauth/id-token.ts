// OpenID Connect: the id_token in a token answer is verified with jose before any claim is
// shown: signature against the keys of the discovery document's jwks_uri, iss, aud = our
// client id, exp and iat, and the nonce this flow sent (docs/webex-contract.md, "OpenID Connect").
// The web app and the CLI both finish a sign-in through exchangeAndVerify.
import { timingSafeEqual } from 'node:crypto'
import type { JWTPayload } from 'jose'
import { AppError } from './errors.ts'
import type { TokenSet, WebexClient } from './webex-client.ts'

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
  locale?: string
  issuedAt?: Date
  expiresAt?: Date
}

function text (value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 256) : undefined
}

function claimsOf (payload: JWTPayload): IdClaims {
  const claims: IdClaims = { subject: text(payload.sub) ?? '', issuer: text(payload.iss) ?? '' }
  const optional: Array<[keyof IdClaims, unknown]> = [
    ['email', text(payload.email)],
    ['emailVerified', typeof payload.email_verified === 'boolean' ? payload.email_verified : undefined],
    ['name', text(payload.name)],
    ['givenName', text(payload.given_name)],
    ['familyName', text(payload.family_name)],
    ['phoneNumber', text(payload.phone_number)],
    ['locale', text(payload.locale)],
    ['issuedAt', typeof payload.iat === 'number' ? new Date(payload.iat * 1000) : undefined],
    ['expiresAt', typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined]
  ]
  for (const [key, value] of optional) if (value !== undefined) Object.assign(claims, { [key]: value })
  return claims
}

function invalid (reason: string): AppError {
  return new AppError('id_token_invalid', { reason })
}

/** One sentence for each way verification fails; jose's own messages are not shown. */
function reasonOf (errors: typeof import('jose').errors, err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The id_token has expired (its exp is in the past).'
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'The id_token was issued to another client: its audience (aud) is not this integration\'s client id.'
    if (err.claim === 'iss') return 'The id_token names an issuer (iss) other than the one in Webex\'s discovery document.'
    if (err.claim === 'iat' || err.claim === 'nbf') return 'The id_token is not valid yet: its issue time is in the future (check this machine\'s clock).'
    return `The id_token's ${err.claim} claim is missing or wrong.`
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The id_token\'s signature does not verify against the keys Webex publishes.'
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return 'The id_token was signed with a key Webex does not publish.'
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The id_token is signed with an algorithm this app does not accept.'
  return 'The id_token is not a well-formed signed JWT.'
}

/** Verifies an id_token; returns its claims or throws id_token_invalid with a specific reason. */
export async function verifyIdToken (webex: Pick<WebexClient, 'openIdKeys'>, idToken: string, expected: { clientId: string, nonce: string, now: number }): Promise<IdClaims> {
  // jose is loaded by the first OpenID sign-in, not at start-up: most sign-ins never need it.
  const { createLocalJWKSet, errors, jwtVerify } = await import('jose')
  const verify = async (fresh: boolean) => {
    const keys = await webex.openIdKeys(fresh)
    return await jwtVerify(idToken, createLocalJWKSet(keys.jwks as Parameters<typeof createLocalJWKSet>[0]), {
      issuer: keys.issuer,
      audience: expected.clientId,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(expected.now),
      requiredClaims: ['sub', 'exp', 'iat']
    })
  }
  let payload: JWTPayload
  try {
    payload = (await verify(false)).payload
  } catch (err) {
    if (err instanceof AppError) throw err
    if (!(err instanceof errors.JWKSNoMatchingKey)) throw invalid(reasonOf(errors, err))
    // Webex may have rotated its keys since they were fetched: fetch once more.
    try {
      payload = (await verify(true)).payload
    } catch (again) {
      if (again instanceof AppError) throw again
      throw invalid(reasonOf(errors, again))
    }
  }
  const nonce = typeof payload.nonce === 'string' ? Buffer.from(payload.nonce) : undefined
  const sent = Buffer.from(expected.nonce)
  if (nonce === undefined || nonce.length !== sent.length || !timingSafeEqual(nonce, sent)) {
    throw invalid('The id_token\'s nonce does not match the one this sign-in sent: the answer may belong to another sign-in, or be replayed.')
  }
  return claimsOf(payload)
}

/**
 * Exchanges a code and, for an OpenID sign-in, verifies the id_token. With `openid`
 * requested an id_token must come back; one that comes back unasked is verified too.
 */
export async function exchangeAndVerify (webex: Pick<WebexClient, 'exchangeCode' | 'openIdKeys'>, input: { code: string, redirectUri: string, verifier: string, nonce?: string, scopes: readonly string[], clientId: string, now: () => number }): Promise<{ tokens: TokenSet, idClaims?: IdClaims }> {
  const tokens = await webex.exchangeCode({ code: input.code, redirectUri: input.redirectUri, codeVerifier: input.verifier })
  if (tokens.idToken === undefined) {
    if (input.scopes.includes('openid')) throw invalid('openid was requested, but Webex\'s answer carried no id_token.')
    return { tokens }
  }
  if (input.nonce === undefined) throw invalid('Webex sent an id_token for a sign-in that sent no nonce, so it cannot be checked.')
  return { tokens, idClaims: await verifyIdToken(webex, tokens.idToken, { clientId: input.clientId, nonce: input.nonce, now: input.now() }) }
}
