// The baseline: a bare Fastify app whose one route answers "hello world", and, when BODY_FILE
// is set, /page answers that file's bytes as HTML (the bench gives it the catalogue page, so
// the two are compared sending the same bytes). It also answers /healthz so start-up is
// measured the same way as for the app.
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const app = Fastify()
app.get('/', async () => 'hello world')
if (process.env.BODY_FILE !== undefined) {
  const body = readFileSync(process.env.BODY_FILE)
  app.get('/page', (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body))
}
app.get('/healthz', async () => ({ status: 'ok' }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
