// The emulator's device grant (docs/webex-contract.md, "Device grant"): a device asks for a
// code pair, a person enters the user code on the verification page and decides, and the
// device polls until then. Polling faster than the interval is answered slow_down, and the
// interval grows by 5 seconds, as RFC 8628 says; the count of early polls is kept for tests.
import { randomBytes, randomInt } from 'node:crypto'
import type { DemoUser } from './users.ts'

export interface DeviceRequest {
  deviceCode: string
  userCode: string
  clientId: string
  scopes: string[]
  expiresAt: number
  intervalMs: number
  lastPoll?: number
  decision?: { user: DemoUser, outcome: 'accept' | 'decline' | 'unentitled' }
}

export type PollResult =
  | { kind: 'pending' | 'slow_down' | 'denied' | 'unentitled' | 'expired' | 'unknown' }
  | { kind: 'approved', request: DeviceRequest, user: DemoUser }

const MAX_REQUESTS = 1000
/** Letters people do not confuse (no I, O, 0, 1), as user codes usually use. */
const USER_CODE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'

export class DeviceRequests {
  readonly #byDevice = new Map<string, DeviceRequest>()
  readonly #byUser = new Map<string, DeviceRequest>()
  readonly #now: () => number
  readonly intervalS: number
  readonly ttlS: number
  /** Polls that came sooner than the interval allowed (each was answered slow_down). */
  tooEarly = 0
  /** The next polls answered slow_down whatever their timing, for tests of the client's back-off. */
  forceSlowDown = 0

  constructor (now: () => number, options: { intervalS: number, ttlS: number }) {
    this.#now = now
    this.intervalS = options.intervalS
    this.ttlS = options.ttlS
  }

  start (clientId: string, scopes: string[]): DeviceRequest {
    if (this.#byDevice.size >= MAX_REQUESTS) {
      const oldest = this.#byDevice.values().next().value
      if (oldest !== undefined) this.#forget(oldest)
    }
    let userCode = ''
    do {
      userCode = Array.from({ length: 8 }, () => USER_CODE_LETTERS[randomInt(USER_CODE_LETTERS.length)]).join('').replace(/^(.{4})/, '$1-')
    } while (this.#byUser.has(userCode))
    const request: DeviceRequest = { deviceCode: randomBytes(32).toString('base64url'), userCode, clientId, scopes, expiresAt: this.#now() + this.ttlS * 1000, intervalMs: this.intervalS * 1000 }
    this.#byDevice.set(request.deviceCode, request)
    this.#byUser.set(userCode, request)
    return request
  }

  #forget (request: DeviceRequest): void {
    this.#byDevice.delete(request.deviceCode)
    this.#byUser.delete(request.userCode)
  }

  /** The waiting request for a user code as a person types it (case and dash do not matter). */
  byUserCode (typed: string): DeviceRequest | undefined {
    const letters = typed.toUpperCase().replace(/[^A-Z0-9]/g, '')
    const request = this.#byUser.get(`${letters.slice(0, 4)}-${letters.slice(4)}`)
    return request !== undefined && request.expiresAt > this.#now() && request.decision === undefined ? request : undefined
  }

  decide (request: DeviceRequest, user: DemoUser, outcome: 'accept' | 'decline' | 'unentitled'): void {
    request.decision = { user, outcome }
  }

  poll (deviceCode: string, clientId: string): PollResult {
    const request = this.#byDevice.get(deviceCode)
    if (request === undefined || request.clientId !== clientId) return { kind: 'unknown' }
    const now = this.#now()
    if (request.expiresAt <= now) { this.#forget(request); return { kind: 'expired' } }
    // A few milliseconds of timer jitter are not a client ignoring the interval.
    const early = request.lastPoll !== undefined && now - request.lastPoll < request.intervalMs - 50
    request.lastPoll = now
    if (early || this.forceSlowDown > 0) {
      if (early) this.tooEarly++
      else this.forceSlowDown--
      request.intervalMs += 5000
      return { kind: 'slow_down' }
    }
    if (request.decision === undefined) return { kind: 'pending' }
    this.#forget(request)
    const { user, outcome } = request.decision
    return outcome === 'accept' ? { kind: 'approved', request, user } : { kind: outcome === 'decline' ? 'denied' : 'unentitled' }
  }
}
