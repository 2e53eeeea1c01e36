// The emulator as the tests drive it: the shipped one (src/sandbox/emulator.ts) with its test
// hooks filled in. Faults queued per route, hit counts per route (to prove a call was never
// made), tampered id_tokens, a failing UserInfo, refresh answers without the refresh token,
// and an access token aged on demand. None of this ships with the app.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Emulator, type IssuedRecord } from '../src/sandbox/emulator.ts'
import type { ApiRoute } from '../src/sandbox/kit.ts'
import type { IdTokenTamper } from '../src/sandbox/openid.ts'
import { FaultQueue, playFault } from './faults.ts'

export class TestEmulator extends Emulator {
  readonly faults = new FaultQueue()
  /** How many requests each API route received. */
  readonly hits: Record<ApiRoute, number> = {
    token: 0,
    me: 0,
    organizations: 0,
    tokenExpiry: 0,
    authorizations: 0,
    serviceApps: 0
  }

  /** Every set of tokens issued, newest last (bounded); tests compare pages and outputs with it. */
  readonly issued: IssuedRecord[] = []

  protected override onIssued (entry: IssuedRecord): void {
    this.issued.push(entry)
    if (this.issued.length > 1000) this.issued.shift()
  }

  /** When true, refresh answers leave out refresh_token, as Webex may. */
  omitRefreshToken = false
  /** When set, id_tokens come out wrong in this way. */
  idTokenTamper: IdTokenTamper | undefined
  /** When set, UserInfo answers for another person, or fails. */
  userInfoTamper: 'subject' | 'down' | undefined

  protected override async intercept (
    route: ApiRoute,
    request: FastifyRequest,
    reply: FastifyReply,
    code?: string
  ): Promise<boolean> {
    this.hits[route]++
    const fault = this.faults.take(route, code)
    return fault !== undefined && (await playFault(fault, request, reply))
  }

  protected override idTokenFault (): IdTokenTamper | undefined {
    return this.idTokenTamper
  }

  protected override userInfoFault (): 'subject' | 'down' | undefined {
    return this.userInfoTamper
  }

  protected override sendsRefreshToken (): boolean {
    return !this.omitRefreshToken
  }

  /** Ages a token so the emulator treats it as expired. */
  expireAccessToken (accessToken: string): void {
    const held = this.issuedAccess(accessToken)
    if (held !== undefined) held.expiresAt = 0
  }
}
