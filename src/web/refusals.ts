// Refusals that happen before a route runs: Node's HTTP parser (400 malformed, 408 too slow,
// 431 headers too large) and Fastify's router (400 bad URL, 414 a path part too long). Fastify
// answers these with raw JSON; a person in a browser gets the app's error page instead, with
// the same status, and a client that asks for JSON (and not HTML) gets JSON.
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/index.ts'
import { AppError } from '../errors.ts'
import { errorView, wantsJson } from './errors.ts'
import { renderHtml } from './render.ts'

const REASONS: Record<number, string> = {
  400: 'The request was not well-formed, so it could not be read.',
  408: 'The request took too long to arrive, so it was dropped.',
  414: 'The address (URL) was too long to be used.',
  431: "The request's headers were too large. Usually this is too many or too large cookies for this site: clear this site's cookies and start again."
}

/** Headers for refusals, which helmet's hook never sees. */
const HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store'
}
const RAW_HEADERS = Object.entries(HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('')

function jsonBody (status: number): string {
  return JSON.stringify({ error: 'bad_request', message: REASONS[status] ?? REASONS[400], statusCode: status })
}

export class Refusals {
  readonly #pages = new Map<number, Promise<string>>()
  #render: ((status: number) => Promise<string>) | undefined

  /** Lets refusals use the app's error page once the app can render; each is rendered on first use. */
  attach (app: FastifyInstance, config: Config): void {
    this.#render = (status) => {
      const view = errorView(new AppError('bad_request', { status, reason: REASONS[status] }))
      return renderHtml(app, config, 'pages/error', view.title, {
        error: view,
        back: { href: '/', label: 'Back to the start' }
      })
    }
  }

  /** Never rejects: a page that cannot be rendered falls back to a plain one. */
  #page (status: number): Promise<string> {
    let page = this.#pages.get(status)
    if (page === undefined) {
      const fallback = `<!doctype html><title>Bad request</title><h1>Bad request</h1><p>${REASONS[status] ?? REASONS[400] ?? ''}</p>`
      page = (this.#render?.(status) ?? Promise.resolve(fallback)).catch(() => fallback)
      if (this.#render !== undefined) this.#pages.set(status, page)
    }
    return page
  }

  /** Fastify's clientErrorHandler: the parser gave up, so only the raw bytes say what the client accepts. */
  readonly clientError = (err: ConnectionError, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    // Node hands over the bytes it read as a Buffer (Fastify's type says otherwise).
    const raw: unknown = err.rawPacket
    const accept = /\r\naccept:([^\r\n]*)/i.exec(
      Buffer.isBuffer(raw) ? raw.subarray(0, 16_384).toString('latin1') : ''
    )?.[1]
    const json = wantsJson(accept)
    const answer = (body: string) => {
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
            `Content-Type: ${json ? 'application/json' : 'text/html'}; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${RAW_HEADERS}Connection: close\r\n\r\n${body}`
        )
      }
      socket.destroy()
    }
    if (json) answer(jsonBody(status))
    else this.#page(status).then(answer)
  }

  /** Fastify's frameworkErrors: a bad URL (400) or a path part over maxParamLength (414). */
  readonly frameworkError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400
    request.log.info({ kind: 'bad_request', status, code: error.code }, 'request refused')
    const json = wantsJson(request.headers.accept)
    reply
      .code(status)
      .headers(HEADERS)
      .type(json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8')
    if (json) reply.send(jsonBody(status))
    else this.#page(status).then((page) => reply.send(page))
  }
}
