// The emulator as its own process for the benchmarks: PORT and REDIRECT_URI from the environment.
import { buildEmulatorServer, Emulator } from '../../src/sandbox/index.ts'

const app = await buildEmulatorServer(
  new Emulator({
    clients: [
      {
        clientId: process.env.CLIENT_ID ?? '',
        clientSecret: process.env.CLIENT_SECRET ?? '',
        redirectUris: [process.env.REDIRECT_URI ?? '']
      }
    ]
  })
)
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.stdout.write('ready\n')
