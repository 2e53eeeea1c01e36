// node:http, loaded the CommonJS way. An ES `import … from 'node:http'` makes Node build a
// module facade that reads every export, and reading http.WebSocket loads Node's bundled
// undici: about 35 ms of every start-up, server and CLI alike (nodejs/node#59686). Fastify
// itself requires node:http the CommonJS way and never pays it.
import { createRequire } from 'node:module'

export const http = createRequire(import.meta.url)('node:http') as typeof import('node:http')
