// Pages that never change while the app runs (the scope catalogue, the assets) are made once,
// compressed once, and then sent as bytes: no template or catalogue work per request.
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip, gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'

const brotliAsync = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/**
 * A page's bytes and their compressed forms, made when first asked for, not at start-up. The
 * best forms (brotli at quality 11, gzip at level 9: about 85 ms for the catalogue) are made
 * on libuv's thread pool; until they are ready, which is only during the first requests, a
 * fast gzip is sent, so no request waits for them and the event loop is never blocked by them.
 */
export class CachedPage {
  readonly raw: Buffer
  readonly etag: string
  readonly type: string
  readonly cacheControl: string
  #gzip: Buffer | undefined
  #br: Buffer | undefined
  #compressing = false

  constructor (content: string | Buffer, type = 'text/html; charset=utf-8', cacheControl = 'no-cache') {
    this.raw = Buffer.from(content)
    this.type = type
    this.cacheControl = cacheControl
    this.etag = `"${createHash('sha256').update(this.raw).digest('base64url').slice(0, 22)}"`
  }

  #compress (): void {
    if (this.#compressing) return
    this.#compressing = true
    // Should one fail: without gzip-9 the fast gzip stays; without brotli, brotli is not offered.
    Promise.all([
      gzipAsync(this.raw, { level: 9 }).then((bytes) => { this.#gzip = bytes }),
      brotliAsync(this.raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: this.raw.length } }).then((bytes) => { this.#br = bytes })
    ]).catch(() => {})
  }

  get gzip (): Buffer {
    this.#compress()
    this.#gzip ??= gzipSync(this.raw, { level: 1 })
    return this.#gzip
  }

  /** Undefined until made. */
  get br (): Buffer | undefined {
    this.#compress()
    return this.#br
  }
}

/** Sends a cached page, compressed as the browser accepts, or 304 when it already holds it. */
export function sendCachedPage (request: FastifyRequest, reply: FastifyReply, page: CachedPage, status = 200) {
  reply.code(status).type(page.type).header('cache-control', page.cacheControl).header('vary', 'accept-encoding').header('etag', page.etag)
  if (status === 200 && request.headers['if-none-match'] === page.etag) return reply.code(304).send()
  const accepted = request.headers['accept-encoding'] ?? ''
  const br = /\bbr\b/.test(accepted) ? page.br : undefined
  if (br !== undefined) return reply.header('content-encoding', 'br').send(br)
  if (/\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(page.gzip)
  return reply.send(page.raw)
}
