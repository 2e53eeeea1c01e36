// Route schemas in zod, through Fastify's type provider (fastify-type-provider-zod): a route
// declares its body or query, Fastify checks it before the handler runs, and the handler gets the
// parsed, typed value. A failure is page-specific here (a form shown again, its fields kept, the
// sentence naming the field), so routes set attachValidation and read the first issue with
// `schemaIssue`, instead of the generic 400 a schema failure would otherwise be.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import * as z from 'zod'

export type { ZodTypeProvider }

/** Routes on this instance are checked by their zod schemas, and typed by them. */
export function zodRoutes (app: FastifyInstance) {
  app.setValidatorCompiler(validatorCompiler)
  return app.withTypeProvider<ZodTypeProvider>()
}

/** A form body: none at all (no content type) reads as an empty form, so the schema names what is missing. */
export function form<T extends z.ZodType> (schema: T) {
  return z.preprocess((value) => value ?? {}, schema)
}

export interface SchemaIssue {
  /** The field's name, or 'form' when the whole body or query was wrong. */
  field: string
  message: string
}

/** The first problem of a request that failed its route schema (with attachValidation), if it did. */
export function schemaIssue (request: Pick<FastifyRequest, 'validationError'>): SchemaIssue | undefined {
  const error = request.validationError
  if (error === undefined) return undefined
  const first = (error.validation as Array<{ instancePath?: string, message?: string }> | undefined)?.[0]
  const field = first?.instancePath?.split('/')[1]
  return { field: field === undefined || field === '' ? 'form' : field, message: first?.message ?? 'invalid' }
}
