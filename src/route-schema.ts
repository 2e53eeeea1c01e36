// Route schemas in zod, through Fastify's type provider (fastify-type-provider-zod): a route
// declares its body or query, Fastify checks it before the handler runs, and the handler gets the
// parsed, typed value. A failure is page-specific here (a form shown again, its fields kept, the
// sentence naming the field), so routes set attachValidation and read the first issue with
// `schemaIssue`, instead of the generic 400 a schema failure would otherwise be.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import * as z from 'zod'

/** Routes on this instance are checked by their zod schemas, and typed by them. */
export function zodRoutes (app: FastifyInstance) {
  app.setValidatorCompiler(validatorCompiler)
  return app.withTypeProvider<ZodTypeProvider>()
}

/** A body (form or JSON): none at all reads as empty, so the schema names what is missing. */
export function bodyOrEmpty<T extends z.ZodType> (schema: T) {
  return z.preprocess((value) => value ?? {}, schema)
}

/** Route options that check the body by `schema`, handing a failure to the handler (request.validationError). */
export function bodySchema<T extends z.ZodType> (schema: T) {
  return { schema: { body: bodyOrEmpty(schema) }, attachValidation: true }
}

/** Route options that check the query string by `schema`, handing a failure to the handler. */
export function querySchema<T extends z.ZodType> (schema: T) {
  return { schema: { querystring: schema }, attachValidation: true }
}

/** An instance whose routes are checked and typed by their zod schemas. */
export type ZodRoutes = ReturnType<typeof zodRoutes>

/** A request's parsed body or query, or undefined when it failed its route schema (with attachValidation). */
export function valid<T> (request: Pick<FastifyRequest, 'validationError'>, value: T): T | undefined {
  return request.validationError === undefined ? value : undefined
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
