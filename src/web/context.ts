// What every route plugin of the web app is given: config, catalogue, the Webex client, the clock.
import { errnoCode } from '../errno.ts'
import type { Config } from '../config/index.ts'
import type { Catalogue } from '../catalogue/index.ts'
import type { WebexClient } from '../webex/client.ts'
import type { ConsumedStates } from '../oauth/flow.ts'
import type { FastifyRequest } from 'fastify'
import type { AuditEntry, AuditLog } from '../audit.ts'
import type * as z from 'zod'
import { AppError } from '../errors.ts'
import { bodySchema } from '../route-schema.ts'

/**
 * Route options that rate-limit a route as RATE_LIMIT_PER_MINUTE says (0: off): per client
 * address, or per what `keyGenerator` says.
 */
export function rateLimited (
  config: Config,
  keyGenerator?: (request: FastifyRequest) => string,
  /** 'preHandler' for a key read from the body, which is not parsed yet at 'onRequest'. */
  hook?: 'preHandler'
): {
    config?: {
      rateLimit: { max: number, timeWindow: number, keyGenerator?: (request: FastifyRequest) => string, hook?: 'preHandler' }
    }
  } {
  if (config.rateLimitPerMinute === 0) return {}
  return {
    config: {
      rateLimit: {
        max: config.rateLimitPerMinute,
        timeWindow: 60_000,
        ...(keyGenerator === undefined ? {} : { keyGenerator }),
        ...(hook === undefined ? {} : { hook })
      }
    }
  }
}

/**
 * Route options of a form post: rate-limited, its body checked by `body` (typed in the handler),
 * and a failure handed to the handler (request.validationError) to explain on its own page.
 */
export function formRoute<T extends z.ZodType> (config: Config, body: T) {
  return { ...rateLimited(config), ...bodySchema(body) }
}

/** A form that failed its schema where no field can be named: too many or malformed fields. */
export function unreadableForm (): AppError {
  return new AppError('bad_request', { reason: 'The form could not be read: too many or malformed fields.' })
}

export interface WebContext {
  readonly config: Config
  readonly catalogue: Catalogue
  readonly webex: WebexClient
  readonly consumed: ConsumedStates
  /** Encrypts the flow cookies (derived from COOKIE_SECRET). */
  readonly flowKey: Buffer
  readonly now: () => number
  /** The audit trail, when AUDIT_LOG is set. */
  readonly audit?: AuditLog
}

/**
 * Appends an audit line, made only when AUDIT_LOG is set (the flow's hot path hashes nothing
 * otherwise). A failed write is logged (its error code, nothing else) and does not fail the
 * request: the tokens were issued either way, and the log says the trail has a gap.
 */
export async function recordAudit (
  ctx: WebContext,
  request: FastifyRequest,
  makeEntry: () => AuditEntry
): Promise<void> {
  if (ctx.audit === undefined) return
  const entry = makeEntry()
  try {
    await ctx.audit.append(entry)
  } catch (err) {
    request.log.error({ event: entry.event, code: errnoCode(err, 'unknown') }, 'audit log write failed')
  }
}
