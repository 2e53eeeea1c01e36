// Pages that never change while the app runs (the scope catalogue, the assets) are made once,
// compressed once, and then sent as bytes: no template or catalogue work per request.
import { createHash } from 'node:crypto'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** A page's bytes, with its compressed forms made once, the first time a browser asks for them. */
export class CachedPage {
  readonly raw: Buffer
  readonly etag: string
  readonly type: string
  readonly cacheControl: string
  #gzip: Buffer | undefined
  #br: Buffer | undefined

  constructor (content: string | Buffer, type = 'text/html; charset=utf-8', cacheControl = 'no-cache') {
    this.raw = Buffer.from(content)
    this.type = type
    this.cacheControl = cacheControl
    this.etag = `"${createHash('sha256').update(this.raw).digest('base64url').slice(0, 22)}"`
  }

  get gzip (): Buffer {
    this.#gzip ??= gzipSync(this.raw, { level: 9 })
    return this.#gzip
  }

  get br (): Buffer {
    this.#br ??= brotliCompressSync(this.raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })
    return this.#br
  }
}

/** Sends a cached page, compressed as the browser accepts, or 304 when it already holds it. */
export function sendCachedPage (request: FastifyRequest, reply: FastifyReply, page: CachedPage, status = 200) {
  reply.code(status).type(page.type).header('cache-control', page.cacheControl).header('vary', 'accept-encoding').header('etag', page.etag)
  if (status === 200 && request.headers['if-none-match'] === page.etag) return reply.code(304).send()
  const accepted = request.headers['accept-encoding'] ?? ''
  if (/\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(page.br)
  if (/\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(page.gzip)
  return reply.send(page.raw)
}
