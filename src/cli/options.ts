// The CLI's argument parsers, shared options and --help text: each value a person types is
// checked here, before anything runs, with a message that says what would be accepted.
import { InvalidArgumentError, Option, type Command } from 'commander'
import type { ErrorKind } from '../errors.ts'
import { LOGIN_HINT } from '../oauth/flow.ts'
import { WEBEX_ID_PATTERN } from '../webex/resources.ts'
import { exitCodeHelp } from './exit-codes.ts'
import { FORMATS, type Format } from './output.ts'

export function parseFormat (value: string): Format {
  const format = FORMATS.find((f) => f === value)
  if (format === undefined) throw new InvalidArgumentError(`choose one of ${FORMATS.join(', ')}`)
  return format
}

export function parseLoginHint (value: string): string {
  const parsed = LOGIN_HINT.safeParse(value.trim())
  if (!parsed.success) throw new InvalidArgumentError('one email address, such as admin@example.com')
  return parsed.data
}

export function parseSeconds (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 86_400) {
    throw new InvalidArgumentError('a whole number of seconds from 1 to 86400')
  }
  return n
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export function parseDuration (value: string): number {
  const match = /^(\d{1,5})([smhd])$/.exec(value.trim())
  if (match === null) throw new InvalidArgumentError('a number and a unit: 30m, 12h, 3d')
  return Number(match[1]) * (DURATION_UNITS[match[2] ?? 'd'] ?? 0)
}

export function formatDuration (ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000]
  ] as const) { if (ms % size === 0) return `${ms / size}${unit}` }
  return `${ms / 1000}s`
}

/** A Webex id given on the command line, checked before anything runs (WEBEX_ID_PATTERN). */
export function parseWebexId (value: string): string {
  if (!WEBEX_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError('not a Webex id (letters, digits and _ = + / - only)')
  }
  return value
}

export function parseSince (value: string): Date {
  const relative = /^(\d{1,4})([dh])$/.exec(value.trim())
  if (relative !== null) {
    return new Date(Date.now() - Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000))
  }
  const date = Date.parse(value)
  if (Number.isNaN(date)) {
    throw new InvalidArgumentError('a date such as 2026-11-01 or 2026-11-01T09:00Z, or an age such as 7d or 12h')
  }
  return new Date(date)
}

export const formatOption = () =>
  new Option('--format <format>', 'json, env, text, or token (the access token alone, for TOKEN=$(…))')
    .default('json')
    .argParser(parseFormat)

export interface AdminTokenOptions {
  in?: string
  tokenFile?: string
  signIn?: boolean
  browser: boolean
  timeout: number
}

/** --format text|json, with the old --json kept as a quiet alias. */
export const textOrJson = (command: Command) =>
  command
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .addOption(new Option('--json', 'the same as --format json').hideHelp())

/** Whether a text-or-json command was asked for JSON, in either spelling. */
export const wantsJsonOutput = (opts: { format?: string, json?: boolean }) =>
  opts.json === true || opts.format === 'json'

export const adminTokenOptions = (command: Command) =>
  command
    // One name for an input file across the commands (--in); --token-file stays as a quiet alias.
    .option('--in <file>', "the admin's access token: a file written by `token --out` (json or env), or the bare token")
    .addOption(new Option('--token-file <file>', 'the same as --in').hideHelp())
    .option('--sign-in', 'sign in for the scopes this command needs even when a token could be read')
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for the browser').default(300).argParser(parseSeconds)
    )
    .addHelpText(
      'after',
      '\nThe admin token comes from --in, WEBEX_ACCESS_TOKEN or stdin; on a terminal with none of them (or with --sign-in) the command signs in for the scopes it needs, as `token` does.'
    )

/** What a sign-in in the browser can end with: `token`, and the commands that sign in for their scopes. */
export const SIGN_IN_KINDS: readonly ErrorKind[] = [
  'access_denied',
  'invalid_scope',
  'state_invalid',
  'invalid_grant',
  'invalid_client',
  'webex_unavailable',
  'timeout',
  'webex_refused',
  'id_token_invalid',
  'token_limit_reached'
]

/** A command's own examples and the exit codes it can end with, for the end of its --help. */
export function commandHelp (examples: readonly string[], kinds: readonly ErrorKind[]): string {
  return `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n${exitCodeHelp(kinds)}`
}
