// The baseline: a bare Fastify app whose one route answers "hello world". It also answers
// /healthz so start-up is measured the same way as for the app.
import Fastify from 'fastify'

const app = Fastify()
app.get('/', async () => 'hello world')
app.get('/healthz', async () => ({ status: 'ok' }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
