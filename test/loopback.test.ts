import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { freePort, tryListen } from './helpers.ts'
// Listening on loopback without leaving half of it to another program (src/loopback.ts): every
// spelling of a loopback host, and a wildcard HOST, holds both 127.0.0.1's and ::1's side of the port.

describe('every loopback spelling, and a wildcard HOST, hold both stacks', () => {
  test('loopback and wildcard hosts are recognised however they are written', async () => {
    const { isLoopbackHost, isWildcardHost } = await import('../src/loopback.ts')
    for (const host of [
      'localhost',
      'LocalHost',
      'localhost.',
      '127.0.0.1',
      '127.0.0.2',
      '127.255.255.254',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '[0:0:0:0:0:0:0:1]',
      '::ffff:127.0.0.1'
    ]) { assert.equal(isLoopbackHost(host), true, host) }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', 'localhost.example', '::2', '']) {
      assert.equal(isLoopbackHost(host), false, host)
    }
    for (const host of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0']) assert.equal(isWildcardHost(host), true, host)
    for (const host of ['127.0.0.1', '::1', '10.0.0.0']) assert.equal(isWildcardHost(host), false, host)
  })

  /** Whether another program could take this address and port now. */
  async function free (port: number, address: string): Promise<boolean | 'no ipv6'> {
    const had = await tryListen(port, address)
    return typeof had === 'number' ? true : had === 'EADDRINUSE' ? false : 'no ipv6'
  }

  for (const host of ['0.0.0.0', '0:0:0:0:0:0:0:1', '127.0.0.2']) {
    test(`HOST=${host} leaves neither 127.0.0.1-side nor [::1]:PORT to another program`, async () => {
      const { buildApp } = await import('../src/app.ts')
      const { parseConfig } = await import('../src/config/index.ts')
      const { listenApp } = await import('../src/server.ts')
      const { LogCapture } = await import('./helpers.ts')
      const port = await freePort()
      const app = await buildApp(
        parseConfig({ PORT: String(port), HOST: host, SANDBOX: 'public', RATE_LIMIT_PER_MINUTE: '0' }),
        { logStream: new LogCapture() }
      )
      await listenApp(app, port, host)
      try {
        const v6 = await free(port, '::1')
        if (v6 !== 'no ipv6') assert.equal(v6, false, '[::1] is held')
        assert.equal(await free(port, host === '127.0.0.2' ? '127.0.0.2' : '127.0.0.1'), false, 'the IPv4 side is held')
      } finally {
        await app.close()
      }
    })
  }
})
