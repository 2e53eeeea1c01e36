// The services every page shares, registered once as decorators of the app with fastify-plugin
// (as fastify/demo registers its own): the configuration, the catalogue, the Webex client, the
// audit trail and the sign-in state. Pages are plain plugins that take what they need from the
// app; their sign-ins meet in `app.signIns`, where each page registers how it starts one and what
// it shows when one comes back, and where the callback finds the page a sign-in belongs to.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AuditLog } from '../audit.ts'
import type { Catalogue } from '../catalogue/index.ts'
import type { Config } from '../config/index.ts'
import type { ConsumedStates, FlowPurpose } from '../oauth/flow.ts'
import type { WebexClient } from '../webex/client.ts'
import type { WebContext } from './context.ts'
import { signInStarter, type BeginSignIn, type Presenter, type ShowTokens, type StartRoute } from './sign-in.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    catalogue: Catalogue
    webex: WebexClient
    /** The audit trail, when AUDIT_LOG is set. */
    audit: AuditLog | undefined
    /** What a sign-in needs beyond the services: the flow cookies' key, the spent states, the clock. */
    flows: { key: Buffer, consumed: ConsumedStates, now: () => number }
    signIns: SignIns
  }
}

/** Each page's sign-in: how it starts (the scope page's /start hands an old form's purpose on) and what it shows. */
export class SignIns {
  readonly begin: BeginSignIn
  readonly #pages = new Map<FlowPurpose, { start?: StartRoute, present: Presenter }>()
  /** The tokens page, which the Service App page shows a Service App's tokens on. */
  showTokens: ShowTokens | undefined

  constructor (begin: BeginSignIn) {
    this.begin = begin
  }

  register (purpose: FlowPurpose, page: { start?: StartRoute, present: Presenter }): void {
    this.#pages.set(purpose, page)
  }

  start (purpose: FlowPurpose): StartRoute {
    const start = this.#pages.get(purpose)?.start
    if (start === undefined) throw new Error(`no page starts a ${purpose} sign-in`)
    return start
  }

  present (purpose: FlowPurpose): Presenter {
    const page = this.#pages.get(purpose)
    if (page === undefined) throw new Error(`no page shows a ${purpose} sign-in`)
    return page.present
  }
}

/** Decorates the app with the services; the Webex client's own Agent is closed with the app. */
export const services = fp(
  async function services (app: FastifyInstance, ctx: WebContext) {
    app.decorate('config', ctx.config)
    app.decorate('catalogue', ctx.catalogue)
    app.decorate('webex', ctx.webex)
    app.decorate('audit', ctx.audit)
    app.decorate('flows', { key: ctx.flowKey, consumed: ctx.consumed, now: ctx.now })
    app.decorate('signIns', new SignIns(signInStarter(ctx)))
    app.addHook('onClose', async () => {
      await ctx.webex.close()
    })
  },
  { name: 'services', fastify: '5.x' }
)

/** The services as one object, for the functions a page's routes call. */
export function webContext (app: FastifyInstance): WebContext {
  return {
    config: app.config,
    catalogue: app.catalogue,
    webex: app.webex,
    consumed: app.flows.consumed,
    flowKey: app.flows.key,
    now: app.flows.now,
    ...(app.audit === undefined ? {} : { audit: app.audit })
  }
}
