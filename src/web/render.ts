// Renders a page inside the layout with what every page shows: the environment and the sandbox banner.
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Config } from '../config/index.ts'
import { DEFAULT_WEBEX_BASE_URL } from '../config/index.ts'

export interface Environment {
  label: string
  sandbox: boolean
  baseUrl: string
}

/** Names the Webex environment a base URL points at. */
export function describeEnvironment (config: Config): Environment {
  if (config.sandbox) {
    return { label: 'Sandbox (embedded Webex emulator, demo users only)', sandbox: true, baseUrl: config.webexBaseUrl }
  }
  const known: Record<string, string> = {
    [DEFAULT_WEBEX_BASE_URL]: 'Webex commercial',
    'https://api-usgov.webex.com/v1': 'Webex for Government (FedRAMP)',
    'https://api.ciscospark.com/v1': 'Webex commercial (legacy api.ciscospark.com)'
  }
  return {
    label: known[config.webexBaseUrl] ?? `Custom base URL ${config.webexBaseUrl}`,
    sandbox: false,
    baseUrl: config.webexBaseUrl
  }
}

export interface PageOptions {
  status?: number
  /** Pages that show a token or a one-time answer must never be stored by the browser. */
  noStore?: boolean
}

export function pageRenderer (config: Config) {
  const environment = describeEnvironment(config)
  return async function renderPage (
    reply: FastifyReply,
    template: string,
    title: string,
    data: object,
    options: PageOptions = {}
  ) {
    reply.code(options.status ?? 200).type('text/html; charset=utf-8')
    reply.header('cache-control', options.noStore === true ? 'no-store' : 'no-cache')
    const html = await reply.viewAsync(template, { ...data, title, environment })
    return reply.send(html)
  }
}

/** Renders a page inside the layout to a string, outside any reply (for pages rendered once and cached). */
export function renderHtml (
  app: FastifyInstance,
  config: Config,
  template: string,
  title: string,
  data: object
): Promise<string> {
  return app.view(template, { ...data, title, environment: describeEnvironment(config) })
}

// Made by the first page that shows a date: a date format costs ICU some 13 ms to set up.
let dateTime: Intl.DateTimeFormat | undefined
let relative: Intl.RelativeTimeFormat | undefined

/** "23 Nov 2026, 09:00 UTC". */
export function formatDateTime (date: Date): string {
  dateTime ??= new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  return `${dateTime.format(date)} UTC`
}

/** "in 14 days", "in 3 hours", "5 minutes ago". */
export function formatRelative (date: Date, now: number): string {
  const seconds = Math.round((date.getTime() - now) / 1000)
  const abs = Math.abs(seconds)
  relative ??= new Intl.RelativeTimeFormat('en', { numeric: 'always' })
  if (abs >= 86_400 * 2) return relative.format(Math.round(seconds / 86_400), 'day')
  if (abs >= 3600 * 2) return relative.format(Math.round(seconds / 3600), 'hour')
  if (abs >= 120) return relative.format(Math.round(seconds / 60), 'minute')
  return relative.format(seconds, 'second')
}
