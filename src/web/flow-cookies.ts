// Where the web app keeps a flow between the start and the callback: a cookie per flow on the
// callback's path, sealed with AES-256-GCM under a key from COOKIE_SECRET (so whoever sees it
// learns neither the verifier nor the nonce, and cannot alter or move it), and an index cookie
// on /start that lists the browser's open flows, so the oldest are dropped past a cap.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import * as z from 'zod'
import type { FlowState } from '../oauth/flow.ts'

export const FLOW_COOKIE_PREFIX = 'wti_flow_'
/** Browsers drop cookies over 4096 bytes; stay well under with the signature and attributes. */
export const MAX_FLOW_COOKIE_BYTES = 3500

const payloadSchema = z.tuple(
  [
    z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/),
    z.array(z.string().max(200)).max(500),
    z.number().int().nonnegative(),
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .nullable()
  ],
  z.enum(['grants', 'service-app'])
)

function base64url (bytes: Buffer): string {
  return bytes.toString('base64url')
}

/** The cookie name is derived from the state, so flows in several tabs each keep their own cookie. */
export function flowCookieName (state: string): string {
  return FLOW_COOKIE_PREFIX + createHash('sha256').update(state).digest('base64url').slice(0, 16)
}

/** The cookie on /start that lists this browser's open flows, oldest first. */
export const FLOW_INDEX_COOKIE = 'wti_flows'
/** A browser keeps at most this many flows in progress, in at most this many cookie bytes; older ones are dropped. */
export const MAX_OPEN_FLOWS = 5
export const MAX_OPEN_FLOW_BYTES = 8192

export interface OpenFlow {
  name: string
  bytes: number
}

/** The index cookie's entries; anything malformed is ignored (the worst case is a flow kept a little longer). */
export function parseFlowIndex (value: string | undefined): OpenFlow[] {
  const entries: OpenFlow[] = []
  for (const part of (value ?? '').split('.').slice(-MAX_OPEN_FLOWS * 2)) {
    const match = /^([A-Za-z0-9_-]{16})~(\d{1,5})$/.exec(part)
    if (match !== null) entries.push({ name: FLOW_COOKIE_PREFIX + (match[1] ?? ''), bytes: Number(match[2]) })
  }
  return entries
}

export function formatFlowIndex (flows: readonly OpenFlow[]): string {
  return flows.map((f) => `${f.name.slice(FLOW_COOKIE_PREFIX.length)}~${f.bytes}`).join('.')
}

/** Adds a new flow and drops the oldest ones past the count and byte caps; the new one is always kept. */
export function capOpenFlows (open: readonly OpenFlow[], added: OpenFlow): { keep: OpenFlow[], drop: OpenFlow[] } {
  const keep = [...open.filter((f) => f.name !== added.name), added]
  const drop: OpenFlow[] = []
  let bytes = keep.reduce((sum, f) => sum + f.bytes, 0)
  while (keep.length > 1 && (keep.length > MAX_OPEN_FLOWS || bytes > MAX_OPEN_FLOW_BYTES)) {
    const oldest = keep.shift() as OpenFlow
    bytes -= oldest.bytes
    drop.push(oldest)
  }
  return { keep, drop }
}

const IV_BYTES = 12
const TAG_BYTES = 16

function encodeFlow (flow: FlowState): Buffer {
  const fields: unknown[] = [flow.state, flow.verifier, flow.scopes, flow.createdAt, flow.nonce ?? null]
  if (flow.purpose !== undefined && flow.purpose !== 'tokens') fields.push(flow.purpose)
  // Deflated, so that a long selection (all 164 scopes: 4 KB of ids) still fits in a cookie.
  return deflateRawSync(JSON.stringify(fields))
}

function decodeFlow (bytes: Buffer): FlowState | undefined {
  const json = inflateRawSync(bytes, { maxOutputLength: 64 * 1024 }).toString('utf8')
  const parsed = payloadSchema.safeParse(JSON.parse(json))
  if (!parsed.success) return undefined
  const [state, verifier, scopes, createdAt, nonce, purpose] = parsed.data
  return {
    state,
    verifier,
    scopes,
    createdAt,
    ...(nonce === null ? {} : { nonce }),
    ...(purpose === undefined ? {} : { purpose })
  }
}

/** The flow cookie's AES-256-GCM key, derived from COOKIE_SECRET with HKDF-SHA256. */
export function flowKey (cookieSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', cookieSecret, 'webex-token-issuer', 'flow cookie v2', 32))
}

/**
 * The flow cookie's value: the flow encrypted with AES-256-GCM under a fresh 96-bit IV, the
 * cookie's name as associated data (so a value cannot be moved to another flow's cookie).
 * Whoever sees the cookie learns neither the verifier nor the nonce, and cannot alter it.
 */
export function sealFlow (flow: FlowState, key: Buffer): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(flowCookieName(flow.state)))
  const body = Buffer.concat([cipher.update(encodeFlow(flow)), cipher.final()])
  return base64url(Buffer.concat([iv, body, cipher.getAuthTag()]))
}

/** Opens a flow cookie's value; undefined for anything altered, sealed under another key or name, or not a flow. */
export function openFlow (value: string, key: Buffer, cookieName: string): FlowState | undefined {
  try {
    const bytes = Buffer.from(value, 'base64url')
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES })
    decipher.setAAD(Buffer.from(cookieName))
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
    return decodeFlow(
      Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()])
    )
  } catch {
    return undefined
  }
}
