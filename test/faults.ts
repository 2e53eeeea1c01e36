// Fault injection for the test emulator (test-emulator.ts): tests queue a fault for a route, and
// the next request to that route gets it instead of the normal answer. Every fault ends on its own.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApiRoute as FaultRoute } from '../src/sandbox/kit.ts'

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
  /** Wait, then answer normally. */
  | { kind: 'delay', ms: number }

export class FaultQueue {
  readonly #queues = new Map<FaultRoute, Fault[]>()
  readonly #byCode = new Map<string, Fault>()

  /** The next requests to a route get these faults, in order. */
  push (route: FaultRoute, ...faults: Fault[]): void {
    this.#queues.set(route, [...(this.#queues.get(route) ?? []), ...faults])
  }

  /** The token request that carries this authorization code gets the fault, whatever runs beside it. */
  pushForCode (code: string, fault: Fault): void {
    this.#byCode.set(code, fault)
  }

  take (route: FaultRoute, code?: string): Fault | undefined {
    if (code !== undefined) {
      const fault = this.#byCode.get(code)
      if (fault !== undefined) {
        this.#byCode.delete(code)
        return fault
      }
    }
    return this.#queues.get(route)?.shift()
  }

  clear (): void {
    this.#queues.clear()
    this.#byCode.clear()
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

/** Plays a fault on the reply; returns false when the request should then be answered normally. */
export async function playFault (fault: Fault, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  switch (fault.kind) {
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.ms))
      return false
    case 'status':
      reply
        .code(fault.status)
        .headers(fault.headers ?? {})
        .type(fault.contentType ?? 'application/json')
      await reply.send(fault.body ?? '')
      return true
    case 'hang':
      reply.hijack()
      await stall(request, fault.maxMs ?? 30_000)
      return true
    case 'slow-body':
      reply.hijack()
      reply.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' })
      reply.raw.write('{"access_token":"')
      await stall(request, fault.maxMs ?? 30_000)
      return true
    case 'reset':
      reply.hijack()
      request.raw.socket.destroy()
      return true
    case 'truncate':
      reply.hijack()
      reply.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' })
      reply.raw.write('{"access_token":"ZmFrZ', () => request.raw.socket.destroy())
      return true
  }
}
