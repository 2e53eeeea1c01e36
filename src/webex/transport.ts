// How every call reaches Webex: undici with timeouts, a cap on the answer's size (maxResponseSize),
// retries for idempotent GETs (interceptors.retry), a tracking id on each request and a network
// failure turned into webex_unavailable. What an answer means is decided elsewhere (classify.ts);
// this only carries requests and answers.
import { errnoCode } from '../errno.ts'
import { randomUUID } from 'node:crypto'
import type { Dispatcher, RetryHandler } from 'undici'
import type * as z from 'zod'
import { AppError, type ErrorFact } from '../errors.ts'
import { jsonOf, parseRetryAfter, scrub, type AnswerFacts } from './classify.ts'
import type { ClientCredentials } from './resources.ts'

export interface Timeouts {
  /** Longest wait for the status line and headers. */
  headersMs: number
  /** Longest silence while the body arrives. */
  bodyMs: number
  /** Longest a whole call may take. */
  totalMs: number
}

export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 10_000, bodyMs: 10_000, totalMs: 15_000 }

const MAX_BODY_BYTES = 256 * 1024
/** A retried GET waits 200 ms, then 600 ms, or longer where Webex's Retry-After asks for it. */
const RETRY_DELAYS_MS = [200, 600]
/** A longer Retry-After is not waited for: the person sees the rate limit at once. */
const MAX_RETRY_AFTER_S = 2

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  trackingId: string
}

/** What classify.ts needs of an answer beside its status and body; each secret is scrubbed from its words. */
export function answerFacts (answer: Answer, secrets: ReadonlyArray<string | undefined>, now: number): AnswerFacts {
  return { retryAfter: answer.headers['retry-after'], trackingId: answer.trackingId, secrets, now }
}

export interface TransportOptions {
  baseUrl: string
  /** Scrubbed from Webex's tracking id header, should a server echo it there. */
  clientSecret: string
  /**
   * The undici dispatcher; without one the transport makes its own keep-alive Agent on first use,
   * with the cap on an answer's size. A dispatcher passed in brings its own limits.
   */
  dispatcher?: Dispatcher
  timeouts?: Timeouts
  /** How a retry waits; tests record the waits instead of sleeping. */
  sleep?: (ms: number) => Promise<void>
  /** The clock, for a Retry-After given as a date and for Webex's answers' facts. */
  now?: () => number
}

export interface SendInit {
  form?: Record<string, string>
  json?: object
  bearer?: string
  basic?: ClientCredentials
  /** Retry on network errors, 5xx, 429 and 423 (idempotent GETs only: a change is sent once). */
  retry?: boolean
}

type RetryCallback = Parameters<NonNullable<RetryHandler.RetryOptions['retry']>>
type RetryError = Error & {
  statusCode?: number
  code?: string
  headers?: Record<string, string | string[] | undefined>
}

/**
 * The decision of undici's retry interceptor: network errors (but an answer over the size cap),
 * 5xx, 429 and 423 are tried again, twice at most, and never for a Retry-After over two seconds.
 * An answer not retried is handed on as it is (throwOnError: false), so Webex's words and
 * tracking id reach classify.ts.
 */
function retryDecision (sleep: (ms: number) => Promise<void>, now: () => number) {
  return (...[err, { state }, callback]: RetryCallback): void => {
    const { statusCode, code, headers } = err as RetryError
    const retryable =
      statusCode === undefined
        ? code !== 'UND_ERR_RES_EXCEEDED_MAX_SIZE'
        : statusCode >= 500 || statusCode === 429 || statusCode === 423
    const delay = RETRY_DELAYS_MS[state.counter - 1]
    const retryAfter = parseRetryAfter(headers?.['retry-after'], now())
    if (!retryable || delay === undefined || (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_S)) {
      callback(err)
      return
    }
    sleep(Math.max(delay, (retryAfter ?? 0) * 1000)).then(
      () => callback(null),
      (cause: unknown) => callback(cause instanceof Error ? cause : err)
    )
  }
}

const NETWORK_FACTS: Partial<Record<string, ErrorFact>> = {
  UND_ERR_RES_EXCEEDED_MAX_SIZE: { is: 'answer_too_large' },
  ENOTFOUND: { is: 'dns_failed' },
  EAI_AGAIN: { is: 'dns_failed' },
  ECONNREFUSED: { is: 'connection_refused' }
}

function networkError (err: unknown, trackingId: string): AppError {
  const code = errnoCode(err, '')
  const name = err instanceof Error ? err.name : ''
  const timedOut =
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    name === 'TimeoutError' ||
    name === 'AbortError'
  const fact: ErrorFact = timedOut ? { is: 'webex_timeout' } : (NETWORK_FACTS[code] ?? { is: 'connection_failed' })
  return new AppError('webex_unavailable', { fact, status: timedOut ? 504 : 502, trackingId }, { cause: err })
}

/** undici is loaded on the first outbound call: start-up (and the CLI) never wait for it. */
let undiciModule: Promise<typeof import('undici')> | undefined
function loadUndici (): Promise<typeof import('undici')> {
  undiciModule ??= import('undici')
  return undiciModule
}

export function createTransport (options: TransportOptions) {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  let ownAgent: Dispatcher | undefined
  let dispatchers: Promise<{ once: Dispatcher, retrying: Dispatcher }> | undefined
  function dispatcher (retry: boolean): Promise<Dispatcher> {
    dispatchers ??= loadUndici().then(({ Agent, interceptors }) => {
      const once =
        options.dispatcher ??
        (ownAgent = new Agent({
          keepAliveTimeout: 10_000,
          connections: 64,
          connect: { timeout: 5_000 },
          maxResponseSize: MAX_BODY_BYTES
        }))
      const retrying = once.compose(
        interceptors.retry({
          methods: ['GET'],
          throwOnError: false,
          retry: retryDecision(sleep, options.now ?? Date.now)
        })
      )
      return { once, retrying }
    })
    return dispatchers.then((both) => (retry ? both.retrying : both.once))
  }
  const base = options.baseUrl.replace(/\/+$/, '')

  /** `path` is relative to the base URL; an absolute URL (a JWKS) is used as it is. */
  async function send (method: 'GET' | 'POST' | 'DELETE', path: string, init: SendInit): Promise<Answer> {
    const trackingId = `WTI_${randomUUID()}`
    const headers: Record<string, string> = { accept: 'application/json', trackingid: trackingId }
    if (init.bearer !== undefined) headers.authorization = `Bearer ${init.bearer}`
    if (init.basic !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(init.basic.clientId)}:${encodeURIComponent(init.basic.clientSecret)}`).toString('base64')}`
    }
    if (init.json !== undefined) headers['content-type'] = 'application/json'
    let body: string | undefined = init.json === undefined ? undefined : JSON.stringify(init.json)
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(init.form).toString()
    }
    try {
      const { request } = await loadUndici()
      const res = await request(/^https?:\/\//.test(path) ? path : `${base}${path}`, {
        method,
        headers,
        body,
        dispatcher: await dispatcher(init.retry === true),
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        signal: AbortSignal.timeout(timeouts.totalMs)
      })
      const text = await res.body.text()
      const header = res.headers.trackingid
      // Webex's tracking id header is shown and audited: never with our client secret in it.
      return {
        status: res.statusCode,
        headers: res.headers,
        text,
        trackingId: typeof header === 'string' ? scrub(header, [options.clientSecret]).slice(0, 200) : trackingId
      }
    } catch (err) {
      throw networkError(err, trackingId)
    }
  }

  /** An answer's JSON checked against what this app expects; anything else is webex_unavailable. */
  function parse<T> (answer: Answer, schema: z.ZodType<T>, what: string): T {
    const parsed = schema.safeParse(jsonOf(answer.text))
    if (!parsed.success) {
      throw new AppError('webex_unavailable', {
        fact: { is: 'answer_unreadable', what },
        trackingId: answer.trackingId
      })
    }
    return parsed.data
  }

  return {
    base,
    send,
    parse,
    /** Closes the transport's own Agent, if it made one; a dispatcher passed in is the caller's to close. */
    async close (): Promise<void> {
      if (ownAgent !== undefined) await ownAgent.close()
    }
  }
}

export type Transport = ReturnType<typeof createTransport>
