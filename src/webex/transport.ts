// How every call reaches Webex: undici with timeouts, a cap on the answer's size, a tracking id
// on each request and a network failure turned into webex_unavailable. What an answer means is
// decided elsewhere (classify.ts); this only carries requests and answers.
import { errnoCode } from '../errno.ts'
import { randomUUID } from 'node:crypto'
import type { Dispatcher } from 'undici'
import type * as z from 'zod'
import { AppError } from '../errors.ts'
import { jsonOf, scrub, type AnswerFacts } from './classify.ts'
import type { ClientCredentials } from './domain.ts'

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
  /** The undici dispatcher; without one the transport makes its own keep-alive Agent on first use. */
  dispatcher?: Dispatcher
  timeouts?: Timeouts
}

export interface SendInit {
  form?: Record<string, string>
  json?: object
  bearer?: string
  basic?: ClientCredentials
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
  const reason = timedOut
    ? 'Webex did not answer in time.'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? 'The Webex host name could not be resolved (DNS).'
      : code === 'ECONNREFUSED'
        ? 'The connection to Webex was refused.'
        : 'The connection to Webex failed or was cut off mid-answer.'
  return new AppError('webex_unavailable', { reason, status: timedOut ? 504 : 502, trackingId }, { cause: err })
}

/** undici is loaded on the first outbound call: start-up (and the CLI) never wait for it. */
let undiciModule: Promise<typeof import('undici')> | undefined
function loadUndici (): Promise<typeof import('undici')> {
  undiciModule ??= import('undici')
  return undiciModule
}

export function createTransport (options: TransportOptions) {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS
  let ownAgent: Promise<Dispatcher> | undefined
  function dispatcher (): Promise<Dispatcher> {
    if (options.dispatcher !== undefined) return Promise.resolve(options.dispatcher)
    ownAgent ??= loadUndici().then(
      ({ Agent }) => new Agent({ keepAliveTimeout: 10_000, connections: 64, connect: { timeout: 5_000 } })
    )
    return ownAgent
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
        dispatcher: await dispatcher(),
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        signal: AbortSignal.timeout(timeouts.totalMs)
      })
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
        size += bytes.length
        if (size > MAX_BODY_BYTES) {
          res.body.destroy()
          throw new AppError('webex_unavailable', {
            reason: 'Webex sent an answer far larger than expected.',
            trackingId
          })
        }
        chunks.push(bytes)
      }
      const header = res.headers.trackingid
      // Webex's tracking id header is shown and audited: never with our client secret in it.
      return {
        status: res.statusCode,
        headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8'),
        trackingId: typeof header === 'string' ? scrub(header, [options.clientSecret]).slice(0, 200) : trackingId
      }
    } catch (err) {
      if (err instanceof AppError) throw err
      throw networkError(err, trackingId)
    }
  }

  /** An answer's JSON checked against what this app expects; anything else is webex_unavailable. */
  function parse<T> (answer: Answer, schema: z.ZodType<T>, what: string): T {
    const parsed = schema.safeParse(jsonOf(answer.text))
    if (!parsed.success) {
      throw new AppError('webex_unavailable', {
        reason: `Webex's answer to ${what} was not the JSON this app expects.`,
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
      if (ownAgent !== undefined) await (await ownAgent).close()
    }
  }
}

export type Transport = ReturnType<typeof createTransport>
