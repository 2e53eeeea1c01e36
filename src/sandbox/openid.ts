// The sandbox's OpenID Connect provider (docs/webex-contract.md, "OpenID Connect"): an RS256
// signing key made on first use, the discovery document, the key set, id_tokens (sub and
// nonce only, as Webex's) and the claims UserInfo gives for the granted scopes.
import { randomBytes } from 'node:crypto'
import type { CryptoKey, JWK } from 'jose'
import type { Grant } from './kit.ts'
import type { DemoUser } from './users.ts'

const KEY_ID = 'sandbox-1'

/** Ways a test can make the next id_tokens wrong, to see the app refuse them. */
export type IdTokenTamper = 'nonce' | 'audience' | 'expired' | 'signature' | 'issuer'

export class OpenIdProvider {
  #keys: Promise<{ privateKey: CryptoKey, jwk: JWK, stranger: CryptoKey }> | undefined
  readonly #now: () => number

  constructor (now: () => number) {
    this.#now = now
  }

  /** The signing key pair, made on first use (an RSA key takes a moment), and a stranger's key for tamper tests. */
  #signingKeys () {
    this.#keys ??= (async () => {
      // jose is loaded by the first OpenID sign-in, not with the sandbox.
      const { exportJWK, generateKeyPair } = await import('jose')
      const [pair, stranger] = await Promise.all([
        generateKeyPair('RS256', { extractable: true }),
        generateKeyPair('RS256')
      ])
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: KEY_ID, alg: 'RS256', use: 'sig' }
      return { privateKey: pair.privateKey, jwk, stranger: stranger.privateKey }
    })()
    return this.#keys
  }

  /** The public key set at jwks_uri. */
  async jwks (): Promise<{ keys: JWK[] }> {
    return { keys: [(await this.#signingKeys()).jwk] }
  }

  discovery (issuer: string) {
    return {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/access_token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/verification`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile', 'phone', 'address'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'nonce',
        'email',
        'email_verified',
        'name',
        'given_name',
        'family_name',
        'locale',
        'phone',
        'address'
      ],
      code_challenge_methods_supported: ['S256', 'plain']
    }
  }

  async idToken (issuer: string, grant: Grant, tamper: IdTokenTamper | undefined): Promise<string> {
    const keys = await this.#signingKeys()
    const { SignJWT } = await import('jose')
    const now = Math.floor(this.#now() / 1000)
    const issuedAt = tamper === 'expired' ? now - 7200 : now
    return await new SignJWT({
      sub: grant.user.personId,
      nonce: tamper === 'nonce' ? randomBytes(32).toString('base64url') : grant.nonce
    })
      .setProtectedHeader({ alg: 'RS256', kid: KEY_ID, typ: 'JWT' })
      .setIssuer(tamper === 'issuer' ? 'https://idbroker.example.invalid/idb' : issuer)
      .setAudience(tamper === 'audience' ? 'C0ther-client-id' : grant.clientId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(tamper === 'signature' ? keys.stranger : keys.privateKey)
  }
}

/**
 * The claims UserInfo gives a demo user for the granted scopes, named and typed as Webex does:
 * `email_verified` the string "true", the phone as `phone` (docs/webex-contract.md, "OpenID
 * Connect"). The id_token carries the openid scope's claim (sub) only.
 */
export function userInfoClaims (user: DemoUser, scopes: readonly string[]): Record<string, unknown> {
  return {
    sub: user.personId,
    ...(scopes.includes('email') ? { email: user.email, email_verified: 'true' } : {}),
    ...(scopes.includes('profile')
      ? { name: user.displayName, given_name: user.firstName, family_name: user.lastName, locale: 'en_US' }
      : {}),
    ...(scopes.includes('phone') && user.phone !== undefined ? { phone: user.phone } : {}),
    ...(scopes.includes('address')
      ? { address: { formatted: '170 West Tasman Drive, San Jose, CA 95134, US', country: 'US' } }
      : {})
  }
}
