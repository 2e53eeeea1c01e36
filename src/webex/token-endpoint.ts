// The token endpoint (docs/webex-contract.md, "Token", "Refresh", "Device grant"): the code
// exchange, the refresh, and the device grant. A token request is sent once, never retried: a
// sent code may already be spent.
import * as z from 'zod'
import { AppError } from '../errors.ts'
import { DEVICE_GRANT_TYPE } from './device.ts'
import { classifyWebexError, errorAnswer, jsonOf, oauthErrorCode, scrub } from './classify.ts'
import { webexIdToken, webexToken, type ClientCredentials, type DeviceAuthorization, type TokenSet } from './resources.ts'
import { answerFacts, type Answer, type Transport } from './transport.ts'

const tokenAnswer = z.object({
  access_token: webexToken,
  expires_in: z.coerce.number().int().positive(),
  refresh_token: webexToken.optional(),
  refresh_token_expires_in: z.coerce.number().int().positive().optional(),
  token_type: z.string().max(64).optional(),
  // Printable ASCII and white space: the scopes are written raw into `--format env` too.
  scope: z.string().max(16_384).regex(/^[ -~\t\r\n]*$/).optional(),
  id_token: webexIdToken.optional()
})

/** The device grant's first answer (docs/webex-contract.md, "Device grant"). */
const deviceAnswer = z
  .object({
    device_code: z.string().min(1).max(4096),
    user_code: z.string().min(1).max(64),
    verification_uri: z.url().max(2048),
    verification_uri_complete: z.url().max(4096).optional(),
    expires_in: z.coerce.number().int().positive(),
    interval: z.coerce.number().int().positive().max(300).optional()
  })
  .loose()

function toTokenSet (answer: z.infer<typeof tokenAnswer>, issuedAt: number): TokenSet {
  return {
    accessToken: answer.access_token,
    tokenType: answer.token_type ?? 'Bearer',
    expiresAt: new Date(issuedAt + answer.expires_in * 1000),
    refreshToken: answer.refresh_token,
    refreshTokenExpiresAt:
      answer.refresh_token_expires_in === undefined
        ? undefined
        : new Date(issuedAt + answer.refresh_token_expires_in * 1000),
    grantedScopes: answer.scope === undefined ? undefined : answer.scope.split(/[\s,]+/).filter((s) => s !== ''),
    ...(answer.id_token === undefined ? {} : { idToken: answer.id_token })
  }
}

/** The tokens of a successful token answer, with Webex's tracking id for the audit trail. */
export function tokensOf (transport: Transport, answer: Answer, issuedAt: number, what: string): TokenSet {
  return { ...toTokenSet(transport.parse(answer, tokenAnswer, what), issuedAt), trackingId: answer.trackingId }
}

export function tokenEndpoint (transport: Transport, client: ClientCredentials, now: () => number) {
  const { send } = transport
  const failure = (answer: Answer, secrets: ReadonlyArray<string | undefined>) =>
    classifyWebexError(answer.status, answer.text, answerFacts(answer, [...secrets, client.clientSecret], now()))

  /** A token grant is never retried: a sent code may already be spent (docs/webex-contract.md, "Token"). */
  async function grant (
    form: Record<string, string>,
    secrets: ReadonlyArray<string | undefined>,
    credentials: ClientCredentials = client
  ): Promise<TokenSet> {
    const issuedAt = now()
    const answer = await send('POST', '/access_token', {
      form: { ...form, client_id: credentials.clientId, client_secret: credentials.clientSecret }
    })
    const webexDate = Date.parse(String(answer.headers.date ?? ''))
    if (answer.status < 200 || answer.status >= 300) {
      const error = failure(answer, [...secrets, credentials.clientSecret])
      // Another client's credentials are a Service App's (its refresh): name its secret, not ours.
      if (credentials !== client && error.kind === 'invalid_client') {
        throw new AppError('service_app_secret_invalid', error.details)
      }
      throw error
    }
    const tokens = tokensOf(transport, answer, issuedAt, 'the token request')
    if (tokens.trackingId !== undefined) {
      tokens.trackingId = scrub(tokens.trackingId, [...secrets, credentials.clientSecret])
    }
    return Number.isNaN(webexDate) ? tokens : { ...tokens, webexIssuedAfter: webexDate - (now() - issuedAt) - 1000 }
  }

  return {
    exchangeCode (input: { code: string, redirectUri: string, codeVerifier: string }): Promise<TokenSet> {
      return grant(
        {
          grant_type: 'authorization_code',
          code: input.code,
          redirect_uri: input.redirectUri,
          code_verifier: input.codeVerifier
        },
        [input.code, input.codeVerifier]
      )
    },
    /**
     * The refresh grant. Webex may leave the refresh token out of its answer; the one sent
     * then stays valid, and is kept with the expiry the caller knew (docs/webex-contract.md,
     * "Refresh"). `client` refreshes another client's tokens (a Service App's).
     */
    async refresh (refreshToken: string, heldExpiresAt?: Date, other?: ClientCredentials): Promise<TokenSet> {
      const tokens = await grant({ grant_type: 'refresh_token', refresh_token: refreshToken }, [refreshToken], other)
      if (tokens.refreshToken !== undefined) return tokens
      return { ...tokens, refreshToken, refreshTokenExpiresAt: heldExpiresAt, refreshTokenKept: true }
    },
    /**
     * Starts a device grant (docs/webex-contract.md, "Device grant"); Webex refusing the client names
     * the redirect URIs it needs.
     */
    async deviceAuthorize (scopes: readonly string[]): Promise<DeviceAuthorization> {
      const answer = await send('POST', '/device/authorize', {
        form: { client_id: client.clientId, scope: scopes.join(' ') }
      })
      if (answer.status < 200 || answer.status >= 300) {
        const error = failure(answer, [])
        if (error.kind !== 'invalid_client') throw error
        throw new AppError('invalid_client', {
          ...error.details,
          fact: { is: 'device_grant_unregistered' }
        })
      }
      const d = transport.parse(answer, deviceAnswer, 'the device authorization')
      return {
        deviceCode: d.device_code,
        userCode: d.user_code,
        verificationUri: d.verification_uri,
        ...(d.verification_uri_complete === undefined ? {} : { verificationUriComplete: d.verification_uri_complete }),
        expiresInS: d.expires_in,
        intervalS: d.interval ?? 5
      }
    },
    /** One poll of the device grant: the tokens, or whether to keep waiting or to slow down; failures throw. */
    async deviceToken (
      deviceCode: string
    ): Promise<{ kind: 'pending' | 'slow_down' } | { kind: 'tokens', tokens: TokenSet }> {
      const issuedAt = now()
      const answer = await send('POST', '/device/token', {
        form: { grant_type: DEVICE_GRANT_TYPE, device_code: deviceCode, client_id: client.clientId },
        basic: client
      })
      if (answer.status >= 200 && answer.status < 300) {
        return { kind: 'tokens', tokens: tokensOf(transport, answer, issuedAt, 'the device token request') }
      }
      // Each of the codes Webex lists for the poll, in either answer shape (docs/webex-contract.md, "Device grant").
      const body = errorAnswer.safeParse(jsonOf(answer.text)).data ?? {}
      const code = oauthErrorCode(body)
      if (answer.status === 428 || code === 'authorization_pending') return { kind: 'pending' }
      if (code === 'slow_down') return { kind: 'slow_down' }
      const error = failure(answer, [deviceCode])
      if (code === 'invalid_grant') {
        throw new AppError('invalid_grant', {
          ...error.details,
          fact: { is: 'device_code_spent' }
        })
      }
      throw error
    }
  }
}
