// Listening on loopback without leaving half of it to someone else. Browsers reach `localhost`
// over ::1 as readily as over 127.0.0.1, and any local user can listen on [::1]:PORT; a
// relay there would see codes, states, cookies and token pages. So on a loopback HOST the
// server and the CLI's callback listener take the port on both addresses, and refuse to
// start when either is held by another program.
import { errnoCode } from './errno.ts'
import { createServer, get, type RequestListener, type Server } from 'node:http'
import { BlockList, isIP, type AddressInfo } from 'node:net'

/** Every address of this machine's loopback: 127.0.0.0/8, ::1, and IPv4-mapped ::ffff:127.0.0.0/104. */
const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6')

/**
 * Whether a host name or address means "this machine only", in any spelling: localhost (any
 * case, a trailing dot), 127.0.0.0/8, ::1 however written (0:0:0:0:0:0:0:1, [::1]), and
 * IPv4-mapped loopback (::ffff:127.0.0.1). Such a HOST gets both loopback addresses.
 */
export function isLoopbackHost (host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
  if (name === 'localhost') return true
  const family = isIP(name)
  return family !== 0 && LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6')
}

/** Whether a HOST is a wildcard, every address of the machine (0.0.0.0, ::, and their spellings). */
export function isWildcardHost (host: string): boolean {
  const name = host.replace(/^\[(.*)\]$/, '$1')
  return (
    (isIP(name) === 4 && name.split('.').every((part) => Number(part) === 0)) ||
    (isIP(name) === 6 && /^[0:]+$/.test(name))
  )
}

/**
 * The IPv4 address a loopback HOST listens on beside ::1: the one it names, or 127.0.0.1 for
 * localhost and the IPv6 spellings.
 */
export function loopbackIpv4 (host: string): string {
  const name = host.replace(/^\[(.*)\]$/, '$1')
  return isIP(name) === 4 ? name : '127.0.0.1'
}

/**
 * The other name of this machine's loopback for a URL's host name: localhost for 127.0.0.1 or
 * [::1], 127.0.0.1 for localhost; undefined for any other host. Two names of one server are
 * two origins to a browser.
 */
export function otherLoopbackName (hostname: string): string | undefined {
  const name = hostname.toLowerCase()
  if (name === 'localhost') return '127.0.0.1'
  return name === '127.0.0.1' || name === '[::1]' ? 'localhost' : undefined
}

/** What the web app's /healthz answers as `service`, so the CLI can tell it holds a port. */
export const HEALTH_SERVICE = 'webex-token-issuer'

/**
 * Whether this tool's own web app (`npm start`) answers on 127.0.0.1:port: its /healthz names
 * it. Anything else, or no answer within a second, is not.
 */
export function heldByThisTool (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(
      { host: '127.0.0.1', port, path: '/healthz', headers: { accept: 'application/json' }, timeout: 1000 },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          if (body.length < 1000) body += chunk
        })
        res.on('end', () => {
          try {
            resolve((JSON.parse(body) as { service?: unknown }).service === HEALTH_SERVICE)
          } catch {
            resolve(false)
          }
        })
      }
    )
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.on('error', () => resolve(false))
  })
}

/** Why a port could not be had, in one sentence that names the address. */
export class ListenError extends Error {
  constructor (
    readonly code: string,
    readonly port: number,
    readonly address: string
  ) {
    const where = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
    super(
      code === 'EADDRINUSE'
        ? `${where} is already taken by another program${address === '::1' ? ' (IPv6 loopback: browsers reach localhost there too, so this app will not start beside it)' : ''}`
        : code === 'EACCES'
          ? `no permission to listen on ${where}`
          : `cannot listen on ${where} (${code})`
    )
    this.name = 'ListenError'
  }
}

/** Machines without IPv6 answer these for ::1; then 127.0.0.1 alone is all there is. */
export const NO_IPV6 = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT'])

/** Listens one server on one address, or rejects with a ListenError. */
export function listenOn (server: Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => reject(new ListenError(errnoCode(err), port, address))
    server.once('error', fail)
    server.listen(port, address, () => {
      server.off('error', fail)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/**
 * Closes a server now: no new connections, idle keep-alive ones dropped; busy ones finish,
 * or are cut too with `dropBusy` (the CLI's loopback server, whose work is done).
 */
export function closeServer (server: Server, options: { dropBusy?: boolean } = {}): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    server.close(() => resolve())
    if (options.dropBusy === true) server.closeAllConnections()
    else server.closeIdleConnections()
  })
}

/**
 * Listens a second server with `handler` on [::1] at the port 127.0.0.1 already holds.
 * Resolves with that server, or undefined (after `noIpv6`) where the machine has no IPv6;
 * rejects with a ListenError when another program holds [::1]:port.
 */
export async function listenIpv6Twin (
  primary: Server,
  handler: RequestListener,
  noIpv6: () => void
): Promise<Server | undefined> {
  const port = (primary.address() as AddressInfo).port
  const twin = createServer(handler)
  // The same patience as the first: Fastify sets these on the server it makes.
  twin.keepAliveTimeout = primary.keepAliveTimeout
  twin.requestTimeout = primary.requestTimeout
  twin.headersTimeout = primary.headersTimeout
  for (const listener of primary.listeners('clientError')) {
    twin.on('clientError', listener as (...args: unknown[]) => void)
  }
  try {
    await listenOn(twin, port, '::1')
    return twin
  } catch (err) {
    if (err instanceof ListenError && NO_IPV6.has(err.code)) {
      noIpv6()
      return undefined
    }
    throw err
  }
}
