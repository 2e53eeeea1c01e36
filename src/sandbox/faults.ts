// Fault injection for the emulator: tests queue a fault for a route, and the next request
// to that route gets it instead of the normal answer. Every fault ends on its own.
import type { FastifyReply, FastifyRequest } from 'fastify'

export type FaultRoute = 'token' | 'me' | 'organizations' | 'tokenExpiry'

export type Fault =
  | { kind: 'status', status: number, body?: string, contentType?: string, headers?: Record<string, string> }
  /** Accept the request and never answer (until the client gives up, or maxMs passes). */
  | { kind: 'hang', maxMs?: number }
  /** Send the headers, part of the body, then stall (until the client gives up, or maxMs passes). */
  | { kind: 'slow-body', maxMs?: number }
  /** Destroy the connection before any answer. */
  | { kind: 'reset' }
  /** Send the headers and part of the body, then destroy the connection. */
  | { kind: 'truncate' }

export class FaultQueue {
  readonly #queues = new Map<FaultRoute, Fault[]>()

  push (route: FaultRoute, ...faults: Fault[]): void {
    this.#queues.set(route, [...(this.#queues.get(route) ?? []), ...faults])
  }

  take (route: FaultRoute): Fault | undefined {
    return this.#queues.get(route)?.shift()
  }

  clear (): void {
    this.#queues.clear()
  }
}

function stall (request: FastifyRequest, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, maxMs)
    function done () {
      clearTimeout(timer)
      request.raw.socket.destroy()
      resolve()
    }
    request.raw.socket.once('close', done)
  })
}

/** Plays a fault on the reply. */
export async function playFault (fault: Fault, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  switch (fault.kind) {
    case 'status':
      reply.code(fault.status).headers(fault.headers ?? {}).type(fault.contentType ?? 'application/json')
      await reply.send(fault.body ?? '')
      return
    case 'hang':
      reply.hijack()
      await stall(request, fault.maxMs ?? 30_000)
      return
    case 'slow-body':
      reply.hijack()
      reply.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' })
      reply.raw.write('{"access_token":"')
      await stall(request, fault.maxMs ?? 30_000)
      return
    case 'reset':
      reply.hijack()
      request.raw.socket.destroy()
      return
    case 'truncate':
      reply.hijack()
      reply.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' })
      reply.raw.write('{"access_token":"ZmFrZ', () => request.raw.socket.destroy())
  }
}
