// Test harness: the emulator and the app on ephemeral loopback ports, and a small
// browser-like client (cookie jar, manual redirects) that walks a grant flow over real HTTP.
import { spawn } from 'node:child_process'
import { after, before } from 'node:test'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Readable, Writable } from 'node:stream'
import { setTimeout as setTimeoutPromise } from 'node:timers/promises'
import { CookieJar } from 'tough-cookie'
import { Agent, request } from 'undici'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppDeps } from '../src/app.ts'
import { parseConfig, type Config } from '../src/config/index.ts'
import { buildEmulatorServer } from '../src/sandbox/index.ts'
import { TestEmulator } from './test-emulator.ts'
import { runCli } from '../src/cli/program.ts'
import type { Clock } from '../src/cli/device.ts'
import { DEVICE_HELPER_REDIRECT_URIS } from '../src/webex/device.ts'

export const CLIENT_ID = 'Ctest0client0id0for0the0suite'
export const CLIENT_SECRET = 'test-client-secret-0123456789abcdef'

/** Listens on port and host a moment: the port had, or the error code. */
export function tryListen (port: number, host: string): Promise<number | string> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
    server.listen(port, host, () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 'no port'))
    })
  })
}

/** Whether this machine has an IPv6 loopback (::1). */
export async function hasIpv6Loopback (): Promise<boolean> {
  return typeof (await tryListen(0, '::1')) === 'number'
}

/**
 * The first port of this process's own slice, below the kernel's ephemeral range (32768–60999
 * here): a port the kernel hands out for `listen(0)` or an outgoing connection was freePort's
 * old race, since the port is released before the app binds it. Below that range only another
 * test process picking numbers can take one, and each process picks from its own slice.
 */
const SLICE = 200
const FIRST_PORT = 10_000 + (process.pid % 100) * SLICE
let nextPort = FIRST_PORT

/**
 * A loopback port free on 127.0.0.1 and, where there is one, on ::1 (the app takes both), from this
 * process's slice below the ephemeral range, so nothing else on the machine is handed it meanwhile.
 */
export async function freePort (): Promise<number> {
  for (let attempt = 0; attempt < SLICE; attempt++) {
    const port = nextPort
    nextPort = nextPort + 1 >= FIRST_PORT + SLICE ? FIRST_PORT : nextPort + 1
    if ((await tryListen(port, '127.0.0.1')) !== port) continue
    const twin = await tryListen(port, '::1')
    if (twin === port || twin === 'EADDRNOTAVAIL' || twin === 'EAFNOSUPPORT') return port
  }
  throw new Error(`no port free on both loopback addresses in ${FIRST_PORT}–${FIRST_PORT + SLICE - 1}`)
}

export interface RunningEmulator {
  base: string
  emulator: TestEmulator
  app: FastifyInstance
}

export interface EmulatorTestOptions {
  scopes?: string[]
  now?: () => number
  codeTtlMs?: number
  maxPendingBytes?: number
  deviceIntervalS?: number
  deviceTtlS?: number
}

/**
 * The emulator on its own port, with the suite's integration (registered for the device grant unless
 * told otherwise).
 */
export async function startEmulator (
  redirectUris: string[],
  options: EmulatorTestOptions = {}
): Promise<RunningEmulator> {
  const emulator = new TestEmulator({
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUris: [...redirectUris, ...DEVICE_HELPER_REDIRECT_URIS],
        scopes: options.scopes
      }
    ],
    now: options.now,
    codeTtlMs: options.codeTtlMs,
    maxPendingBytes: options.maxPendingBytes,
    deviceIntervalS: options.deviceIntervalS,
    deviceTtlS: options.deviceTtlS
  })
  const app = await buildEmulatorServer(emulator)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (typeof address !== 'object' || address === null) throw new Error('emulator did not listen')
  return { base: `http://127.0.0.1:${address.port}/v1`, emulator, app }
}

/**
 * The emulator on its own port, and the environment of a CLI that signs in against it as the
 * suite's integration, its callback on another free loopback port; started and closed by
 * node:test's before and after hooks of the describe it is called in.
 */
export function emulatorForCli (options: EmulatorTestOptions = {}): {
  readonly emu: RunningEmulator
  readonly env: Record<string, string>
} {
  const fixture = {} as { emu: RunningEmulator, env: Record<string, string> }
  before(async () => {
    const port = await freePort()
    fixture.emu = await startEmulator([`http://127.0.0.1:${port}/oauth`], options)
    fixture.env = {
      CLIENT_ID,
      CLIENT_SECRET,
      REDIRECT_URI: `http://127.0.0.1:${port}/oauth`,
      WEBEX_BASE_URL: fixture.emu.base
    }
  })
  after(async () => {
    await fixture.emu.app.close()
  })
  return fixture
}

/** Collects every log line the app writes. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write (chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
    )
    done()
  }

  get text (): string {
    return this.lines.join('\n')
  }
}

export interface RunningApp {
  url: string
  app: FastifyInstance
  config: Config
  logs: LogCapture
  emulator: RunningEmulator
  close: () => Promise<void>
}

/**
 * The app pointed at a separately started emulator, both on loopback ports, as a user
 * with CLIENT_ID set would run it against Webex.
 */
export async function startApp (
  env: Record<string, string> = {},
  deps: AppDeps = {},
  emulatorOptions: { scopes?: string[], now?: () => number } = {}
): Promise<RunningApp> {
  const port = await freePort()
  const redirectUri = `http://127.0.0.1:${port}/oauth`
  const emulator = await startEmulator([redirectUri], { now: deps.now, ...emulatorOptions })
  const config = parseConfig({
    PORT: String(port),
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI: redirectUri,
    WEBEX_BASE_URL: emulator.base,
    LOG_LEVEL: 'debug',
    RATE_LIMIT_PER_MINUTE: '0',
    ...env
  })
  const logs = new LogCapture()
  const app = await buildApp(config, {
    logStream: logs,
    timeouts: { headersMs: 1500, bodyMs: 1500, totalMs: 3000 },
    ...deps
  })
  await app.listen({ port, host: '127.0.0.1' })
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    config,
    logs,
    emulator,
    async close () {
      await app.close()
      await emulator.app.close()
    }
  }
}

/**
 * The app of a describe, as startApp makes it: started by the describe's before hook and closed by
 * its after hook. The object is filled in as the suite starts; tests use it as startApp's.
 */
export function appForSuite (...args: Parameters<typeof startApp>): RunningApp {
  const running = {} as RunningApp
  before(async () => {
    Object.assign(running, await startApp(...args))
  })
  after(async () => {
    await running.close()
  })
  return running
}

/** A page of an app in this mode, asked for in process (app.inject): for a page that needs no socket and no Webex. */
export async function pageOf (env: Record<string, string>, url = '/'): Promise<{ status: number, body: string }> {
  const app = await buildApp(parseConfig(env), { logStream: new LogCapture() })
  try {
    const res = await app.inject({ url })
    return { status: res.statusCode, body: res.body }
  } finally {
    await app.close()
  }
}

/** Where a page sends the browser next, as the app's hand-off to Webex does: its meta refresh's URL, unescaped. */
export function refreshTarget (html: string): string | undefined {
  const match = /<meta http-equiv="refresh" content="0; url=([^"]*)">/.exec(html)
  return match?.[1] === undefined ? undefined : unescapeHtml(match[1])
}

/** An attribute's text as a browser reads it (handlebars escapes = & ' ` too). */
export function unescapeHtml (text: string): string {
  return text
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/**
 * `location`: where the browser goes next, the Location of a redirect or the URL of a page's
 * meta refresh (the app's hand-off to Webex answers 200 with one).
 */
export interface Page {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  location?: string
  url: string
}

/**
 * A browser stand-in: one cookie jar, redirects followed by hand so each hop can be checked. It
 * also does what the pages' script does for a sign-in (src/browser/sign-in-binding.ts): keeps the
 * hand-off page's binder in its storage for that origin, and on the callback's page posts the
 * code back with it at once, as a script's submit (no Sec-Fetch-User). With no binder kept, the
 * callback's page is returned as it is.
 */
export class Browser {
  readonly jar = new CookieJar()
  /** Per origin, as localStorage is: state → binder. */
  readonly storage = new Map<string, Map<string, string>>()
  /** Whether pages' scripts run as they load; off, runScript does it for a page when the test says. */
  scripts = true
  readonly #agent = new Agent({ keepAliveTimeout: 1000 })

  async fetch (
    url: string,
    init: { method?: 'GET' | 'POST', form?: Record<string, string | string[]>, headers?: Record<string, string> } = {}
  ): Promise<Page> {
    const headers: Record<string, string> = { ...init.headers }
    const cookie = await this.jar.getCookieString(url)
    if (cookie !== '' && headers.cookie === undefined) headers.cookie = cookie
    let body: string | undefined
    if (init.form !== undefined) {
      // A browser posting this app's own form says where it was sent from; origin '' sends neither header.
      if (headers.origin === undefined && headers['sec-fetch-site'] === undefined) headers.origin = new URL(url).origin
      if (headers.origin === '') delete headers.origin
      const params = new URLSearchParams()
      for (const [k, v] of Object.entries(init.form)) for (const one of [v].flat()) params.append(k, one)
      body = params.toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    }
    // Bounded, so an answer that never comes fails the test with a reason instead of stalling the suite.
    const res = await request(url, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      dispatcher: this.#agent,
      headersTimeout: 30_000,
      bodyTimeout: 30_000
    })
    const text = await res.body.text()
    for (const line of [res.headers['set-cookie'] ?? []].flat()) await this.jar.setCookie(line, url)
    const next = typeof res.headers.location === 'string' ? res.headers.location : refreshTarget(text)
    const location = next === undefined ? undefined : new URL(next, url).toString()
    const page = { status: res.statusCode, headers: res.headers, body: text, location, url }
    return this.scripts ? await this.runScript(page) : page
  }

  /** The pages' script for a sign-in: keep the hand-off's binder; finish the callback with it. */
  async runScript (page: Page): Promise<Page> {
    const origin = new URL(page.url).origin
    const handOff = /id="continue"[^>]* data-state="([^"]*)" data-binder="([^"]*)"/.exec(page.body)
    if (handOff !== null) {
      const kept = this.storage.get(origin) ?? new Map<string, string>()
      kept.set(unescapeHtml(handOff[1] ?? ''), handOff[2] ?? '')
      this.storage.set(origin, kept)
      return page
    }
    const finish = /<form id="finish-sign-in" method="post" action="([^"]*)" data-state="([^"]*)">/.exec(page.body)
    if (finish === null) return page
    const state = unescapeHtml(finish[2] ?? '')
    const binder = this.storage.get(origin)?.get(state)
    if (binder === undefined) return page
    this.storage.get(origin)?.delete(state)
    return await this.fetch(new URL(unescapeHtml(finish[1] ?? ''), page.url).toString(), {
      form: { ...hiddenFields(page.body, finish[1] ?? ''), binder },
      headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }
    })
  }

  async close (): Promise<void> {
    await this.#agent.close()
  }
}

/**
 * One <input> of a page: its attributes, unescaped as a browser reads them, and the form it is in (its
 * action, and which form of the page).
 */
export interface Input {
  form?: string
  formIndex?: number
  id?: string
  name?: string
  type?: string
  value?: string
}

/** The one HTML field scraper: every <input> of a page, in order, with the form it is in. */
export function inputsOf (html: string): Input[] {
  const inputs: Input[] = []
  let form: { action?: string, index: number } | undefined
  let forms = 0
  for (const [tag = '', name = ''] of html.matchAll(/<(\/?form|input)\b[^>]*>/g)) {
    if (name === 'form') {
      form = { action: /\saction="([^"]*)"/.exec(tag)?.[1], index: forms++ }
      continue
    }
    if (name === '/form') {
      form = undefined
      continue
    }
    const attributes = Object.fromEntries(
      [...tag.matchAll(/\s([a-z_-]+)="([^"]*)"/g)].map(([, k = '', v = '']) => [k, unescapeHtml(v)])
    )
    inputs.push({ ...(form === undefined ? {} : { form: form.action, formIndex: form.index }), ...attributes })
  }
  return inputs
}

/** The value of the field with this id. */
export function field (html: string, id: string): string | undefined {
  return inputsOf(html).find((i) => i.id === id)?.value
}

/** Starts a flow: POST /start, whose hand-off page's `location` is the authorize URL. */
export async function startFlow (browser: Browser, appUrl: string, scopes: string[]): Promise<Page> {
  return browser.fetch(`${appUrl}/start`, { method: 'POST', form: { scope: scopes } })
}

/**
 * Follows the emulator's authorize to its sign-in page on the other loopback origin, as Webex's
 * authorize hands on to its identity service; the page (consent, or an error) or the redirect
 * back to the app it ends on.
 */
export async function signInPage (browser: Browser, authorizeUrl: string): Promise<Page> {
  const hop = await browser.fetch(authorizeUrl)
  if (hop.status !== 302 || hop.location === undefined) {
    throw new Error(`authorize answered ${hop.status}, not a redirect to the sign-in`)
  }
  if (new URL(hop.location).origin === new URL(authorizeUrl).origin) {
    throw new Error(`authorize sent the browser to its own origin: ${hop.location}`)
  }
  return browser.fetch(hop.location)
}

/** Walks the sandbox consent page as a demo user and returns the redirect back to the app. */
export async function consent (
  browser: Browser,
  authorizeUrl: string,
  user: 'admin' | 'readonly' | 'compliance' | 'user',
  decision: 'accept' | 'decline' = 'accept'
): Promise<Page> {
  const page = await signInPage(browser, authorizeUrl)
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`)
  const requestId = /name="request" value="([0-9a-f]+)"/.exec(page.body)?.[1]
  const action = /<form method="post" action="([^"]+)">/.exec(page.body)?.[1]
  if (requestId === undefined || action === undefined) throw new Error('no consent request id')
  return browser.fetch(new URL(unescapeHtml(action), page.url).toString(), {
    method: 'POST',
    form: { request: requestId, user, decision }
  })
}

/** A whole flow: start, consent, callback. Returns the final page. */
export async function runFlow (
  browser: Browser,
  appUrl: string,
  scopes: string[],
  user: 'admin' | 'readonly' | 'compliance' | 'user' = 'admin',
  decision: 'accept' | 'decline' = 'accept'
): Promise<{ start: Page, back: Page, final: Page }> {
  const start = await startFlow(browser, appUrl, scopes)
  if (start.status !== 200 || start.location === undefined) throw new Error(`start answered ${start.status}`)
  const back = await consent(browser, start.location, user, decision)
  if (back.status !== 302 || back.location === undefined) throw new Error(`consent answered ${back.status}`)
  const final = await browser.fetch(back.location)
  return { start, back, final }
}

export interface ProcessRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface Spawned {
  /** Resolves with the first match of `pattern` in stderr; rejects if the process exits first. */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>
  done: Promise<ProcessRun>
  kill: (signal: NodeJS.Signals) => void
}

/**
 * Runs one of our TypeScript entry points as a real process (through tsx), in an empty
 * working directory so no .env leaks in, with only PATH and `env`; killed after 30 s at most.
 */
export function spawnTs (file: string, args: string[], env: Record<string, string>, input?: string): Spawned {
  return spawnNode(
    ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL(file, import.meta.url)), ...args],
    env,
    input
  )
}

/** Spawns `node <args>` in an empty temporary folder with only PATH and `env`. */
export function spawnNode (args: string[], env: Record<string, string>, input?: string): Spawned {
  return spawnProcess(process.execPath, args, env, { input })
}

/**
 * Spawns a command with only PATH and `env`, in `cwd` (default: an empty temporary folder) so
 * no .env leaks in; killed after 30 s at most. With `group`, it leads its own process group
 * and kill() signals the whole group (as a terminal's Ctrl-C reaches npm and what it runs).
 */
export function spawnProcess (
  command: string,
  args: string[],
  env: Record<string, string>,
  options: { input?: string, cwd?: string, group?: boolean } = {}
): Spawned {
  const child = spawn(command, args, {
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'wti-proc-')),
    detached: options.group === true,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const kill = (signal: NodeJS.Signals) => {
    if (options.group === true && child.pid !== undefined) process.kill(-child.pid, signal)
    else child.kill(signal)
  }
  let stdout = ''
  let stderr = ''
  const waiters = new Set<() => void>()
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
    for (const check of waiters) check()
  })
  child.stdin.end(options.input)
  const timer = setTimeout(() => kill('SIGKILL'), 30_000)
  // 'close': the child and anything it started have let go of the pipes.
  const done = new Promise<ProcessRun>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      for (const check of waiters) check()
      resolve({ code, stdout, stderr })
    })
  )
  return {
    done,
    kill,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stderr)
          if (match !== null) {
            waiters.delete(check)
            resolve(match)
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check)
            reject(new Error(`exited before ${String(pattern)}: ${stderr}`))
          }
        }
        waiters.add(check)
        check()
      })
  }
}

export interface CliRun {
  /** Resolves with the first match of `pattern` in stderr; rejects if the CLI finished first. */
  stderrMatch: (pattern: RegExp) => Promise<RegExpExecArray>
  /** The exit code runCli returned, and what it wrote. */
  done: Promise<{ code: number, stdout: string, stderr: string }>
  /** The authorize URL the CLI printed on stderr; rejects if it finished first. */
  url: Promise<string>
  /** What Ctrl-C does to the real process. */
  interrupt: () => void
}

/**
 * The CLI in this process, through runCli, with in-memory streams, an empty working folder (so
 * no .env is read) and only `env`: for what the CLI does, where the process boundary is not the
 * point. Exit codes, signals, pipes and the installed bin are tested as real processes.
 */
export function runCliHere (
  args: string[],
  env: Record<string, string>,
  input = '',
  options: { tty?: boolean, clock?: Clock, openBrowser?: (url: string) => Promise<void> } = {}
): CliRun {
  let stdout = ''
  let stderr = ''
  const watchers = new Set<() => void>()
  const sink = (append: (text: string) => void) =>
    new Writable({
      write (chunk: Buffer, _encoding, callback) {
        append(chunk.toString())
        for (const watch of watchers) watch()
        callback()
      }
    })
  const controller = new AbortController()
  const done = runCli(
    args,
    {
      stdout: sink((t) => {
        stdout += t
      }),
      stderr: sink((t) => {
        stderr += t
      }),
      // tty: stdin stands in for a terminal, as a person at a prompt would type into.
      stdin: Object.assign(Readable.from([input]), options.tty === true ? { isTTY: true } : {}),
      env,
      cwd: mkdtempSync(join(tmpdir(), 'wti-cli-')),
      openBrowser:
        options.openBrowser ??
        (async () => {
          throw new Error('no browser in tests')
        }),
      ...(options.clock === undefined ? {} : { clock: options.clock })
    },
    controller.signal
  ).then((code) => ({ code, stdout, stderr }))
  const stderrMatch = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const watch = () => {
        const match = pattern.exec(stderr)
        if (match !== null) {
          watchers.delete(watch)
          resolve(match)
        }
      }
      watchers.add(watch)
      watch()
      done.then(() => reject(new Error(`the CLI finished before printing ${String(pattern)}: ${stderr}`)), reject)
    })
  const url = stderrMatch(/^\s+(http\S+\/authorize\?\S+)$/m).then((match) => match[1] ?? '')
  url.catch(() => {})
  return { done, url, stderrMatch, interrupt: () => controller.abort() }
}

/**
 * A clock for the device grant that runs `speed` times faster than the system's: a wait of
 * Webex's 5 s interval takes 50 ms. The CLI and the emulator share it, so the emulator still
 * sees every poll's spacing as the CLI meant it, and counts any that came too soon.
 */
export class FastClock implements Clock {
  #offset = 0
  constructor (readonly speed = 100) {}
  readonly now = () => Date.now() + this.#offset
  readonly sleep = async (ms: number, signal: AbortSignal) => {
    await setTimeoutPromise(ms / this.speed, undefined, { signal })
    this.#offset += ms - ms / this.speed
  }
}

/** `token` in this process, signed in on the emulator's consent page as a demo user; the finished run. */
export async function cliSignIn (
  args: string[],
  env: Record<string, string>,
  user: 'admin' | 'readonly' | 'compliance' | 'user' = 'admin'
): Promise<{ code: number, stdout: string, stderr: string }> {
  const run = runCliHere(['token', '--no-browser', ...args], env)
  const browser = new Browser()
  const back = await consent(browser, await run.url, user)
  await browser.fetch(back.location ?? '')
  await browser.close()
  return run.done
}

/** The value of a page's (first) hidden form field by name, unescaped as a browser would post it. */
export function hiddenField (html: string, name: string): string {
  return inputsOf(html).find((i) => i.type === 'hidden' && i.name === name)?.value ?? ''
}

/** Every hidden field of a form, by the form's action and an optional field that picks it. */
export function hiddenFields (html: string, action: string, pick?: [string, string]): Record<string, string> {
  const forms = new Map<number, Record<string, string>>()
  for (const input of inputsOf(html)) {
    if (input.form !== action || input.formIndex === undefined || input.type !== 'hidden' || input.name === undefined) {
      continue
    }
    forms.set(input.formIndex, { ...forms.get(input.formIndex), [input.name]: input.value ?? '' })
  }
  for (const fields of forms.values()) if (pick === undefined || fields[pick[0]] === pick[1]) return fields
  throw new Error(`no form posting to ${action}${pick === undefined ? '' : ` with ${pick[0]}=${pick[1]}`}`)
}

/**
 * The seed of a property-based test: FUZZ_SEED to replay a run, otherwise a fresh one. It is
 * printed as the test's diagnostic, so a failure in CI can be replayed exactly
 * (`FUZZ_SEED=<seed> node --import tsx --test test/fuzz.test.ts`).
 */
export function fuzzSeed (t: { diagnostic: (message: string) => void }): number {
  const seed = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED)
  t.diagnostic(`seed ${seed} (replay with FUZZ_SEED=${seed})`)
  return seed
}
