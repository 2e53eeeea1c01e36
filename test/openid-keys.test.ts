// The signing keys come from jose's remote key set, fetched through the Webex client's own
// transport: a key set Webex cannot give (an error status, or not a key set) is Webex's failure
// (webex_unavailable), never blamed on the id_token; a good one verifies, and is fetched once.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { AppError } from '../src/errors.ts'
import { verifyIdToken } from '../src/oauth/id-token.ts'
import { createWebexClient } from '../src/webex/client.ts'

describe('the OpenID key set, through the transport', () => {
  let server: Server
  let base: string
  let jwksAnswer: { status: number, body: string }
  let jwksHits = 0
  let sign: () => Promise<string>

  before(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }
    jwksAnswer = { status: 200, body: JSON.stringify({ keys: [jwk] }) }
    server = createServer((req, res) => {
      if (req.url === '/v1/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/keys` }))
        return
      }
      if (req.url === '/v1/keys') {
        jwksHits++
        res.statusCode = jwksAnswer.status
        res.setHeader('content-type', 'application/json')
        res.end(jwksAnswer.body)
        return
      }
      res.statusCode = 404
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
    sign = async () => {
      const now = Math.floor(Date.now() / 1000)
      return await new SignJWT({ nonce: 'n' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('p')
        .setIssuer(base)
        .setAudience('Cme')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey)
    }
  })
  after(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  const client = () => createWebexClient({ baseUrl: base, clientId: 'Cme', clientSecret: 'secret-0123456789' })
  const expected = () => ({ clientId: 'Cme', nonce: 'n', now: Date.now() })

  test('a good key set verifies, and is fetched once for several id_tokens', async () => {
    const webex = client()
    jwksHits = 0
    for (let i = 0; i < 3; i++) assert.equal((await verifyIdToken(webex, await sign(), expected())).subject, 'p')
    assert.equal(jwksHits, 1)
    await webex.close()
  })

  for (const [name, answer] of [
    ['a 503', { status: 503, body: '<html>busy</html>' }],
    ['an answer that is no key set', { status: 200, body: '{"not":"keys"}' }],
    ['an answer that is not JSON', { status: 200, body: 'hello' }]
  ] as const) {
    test(`${name} from jwks_uri is webex_unavailable, not an invalid id_token`, async () => {
      const webex = client()
      const good = jwksAnswer
      jwksAnswer = answer
      try {
        await assert.rejects(verifyIdToken(webex, await sign(), expected()), (err: unknown) => {
          assert.ok(err instanceof AppError)
          assert.equal(err.kind, 'webex_unavailable')
          return true
        })
      } finally {
        jwksAnswer = good
        await webex.close()
      }
    })
  }
})
