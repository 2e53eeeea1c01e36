// Tokens handed to the CLI: a bare token, or a file that `token --out` wrote (json or env),
// from a flag, a file or stdin. Parsed with zod; nothing is echoed back on failure.
import { errnoCode } from '../errno.ts'
import { open } from 'node:fs/promises'
import { parse as parseDotenv } from 'dotenv'
import * as z from 'zod'
import { AppError } from '../errors.ts'
import { currentUser } from '../current-user.ts'
import { withoutBearer } from '../oauth/token-file.ts'

const MAX_INPUT = 64 * 1024
const BARE_TOKEN = /^[A-Za-z0-9_.~+/=-]{8,4096}$/

const jsonFile = z
  .object({
    access_token: z.string().optional(),
    expires_at: z.string().optional(),
    client_id: z.string().optional(),
    refresh_token: z.string().optional(),
    refresh_token_expires_at: z.string().optional(),
    base_url: z.string().optional()
  })

export interface HeldTokens {
  accessToken?: string
  /** When the access token expires, when the file says. */
  accessTokenExpiresAt?: Date
  /** The client the tokens belong to, when the file says (a service app's tokens). */
  clientId?: string
  refreshToken?: string
  refreshTokenExpiresAt?: Date
  /** The Webex that issued them, when the file says: the only place they are ever sent. */
  baseUrl?: string
}

function date (value: string | undefined): Date | undefined {
  if (value === undefined) return undefined
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d
}

/** Where each held value is in a JSON file and in an env file that `token --out` wrote (oauth/token-file.ts). */
const FIELDS = {
  json: ['access_token', 'expires_at', 'client_id', 'refresh_token', 'refresh_token_expires_at', 'base_url'],
  env: [
    'WEBEX_ACCESS_TOKEN',
    'WEBEX_ACCESS_TOKEN_EXPIRES_AT',
    'WEBEX_CLIENT_ID',
    'WEBEX_REFRESH_TOKEN',
    'WEBEX_REFRESH_TOKEN_EXPIRES_AT',
    'WEBEX_BASE_URL'
  ]
} as const

/** The held tokens of a file's values, read by that file's names. */
function heldFrom (
  values: Readonly<Record<string, string | undefined>>,
  names: typeof FIELDS[keyof typeof FIELDS]
): HeldTokens {
  const [access, accessExpiry, client, refresh, refreshExpiry, base] = names
  const baseUrl = values[base]?.trim()
  return {
    accessToken: values[access],
    accessTokenExpiresAt: date(values[accessExpiry]),
    clientId: values[client],
    refreshToken: values[refresh],
    refreshTokenExpiresAt: date(values[refreshExpiry]),
    ...(baseUrl === undefined || baseUrl === '' ? {} : { baseUrl })
  }
}

/** Reads what the user gave: a bare token counts as the kind the command asked for. */
export function parseHeldTokens (text: string, bareIs: 'access' | 'refresh'): HeldTokens {
  const trimmed = withoutBearer(text)
  if (BARE_TOKEN.test(trimmed)) return bareIs === 'access' ? { accessToken: trimmed } : { refreshToken: trimmed }
  if (trimmed.startsWith('{')) {
    let json: unknown
    try {
      json = JSON.parse(trimmed)
    } catch {
      throw new AppError('bad_request', { reason: 'The input looks like JSON but could not be parsed.' })
    }
    const parsed = jsonFile.safeParse(json)
    if (parsed.success) return heldFrom(parsed.data, FIELDS.json)
  }
  const env = parseDotenv(trimmed)
  if (env.WEBEX_ACCESS_TOKEN !== undefined || env.WEBEX_REFRESH_TOKEN !== undefined) return heldFrom(env, FIELDS.env)
  throw new AppError('bad_request', {
    reason: 'The input is neither a token nor a file written by `webex-token-issuer token --out`.'
  })
}

export async function readStdin (stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<string> {
  if (stdin.isTTY === true) {
    throw new AppError('bad_request', { reason: 'No token given: pass it as a flag, with --in FILE, or on stdin.' })
  }
  let text = ''
  for await (const chunk of stdin) {
    text += String(chunk)
    if (text.length > MAX_INPUT) {
      throw new AppError('bad_request', { reason: 'The input on stdin is too large to be a token.' })
    }
  }
  return text
}

/** A path as one shell word, for a command line the person can paste. */
function shellWord (path: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`
}

/**
 * The warning ssh gives for a private key others can read, for a file of tokens or secrets: one
 * line when the file's group or other users can read it; undefined when only its owner can, when
 * it is no regular file (a pipe, /dev/stdin), or where modes mean nothing (Windows). `stat` is
 * the opened file's fstat, so the file judged is the file read.
 */
export function readableByOthersWarning (
  path: string,
  stat: { mode: number, isFile: () => boolean },
  modesMeanSomething = currentUser() !== undefined
): string | undefined {
  if (!modesMeanSomething || !stat.isFile() || (stat.mode & 0o044) === 0) return undefined
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0')
  return `warning: ${path} can be read by other users of this machine (mode ${mode}): run chmod 600 ${shellWord(path)}`
}

/**
 * A file of tokens or a secret, read whole; `warn` gets readableByOthersWarning's line when
 * others can read it (every command reading such a file passes its terminal's info).
 */
export async function readInputFile (path: string, warn?: (line: string) => void): Promise<string> {
  try {
    const handle = await open(path, 'r')
    try {
      const warning = readableByOthersWarning(path, await handle.stat())
      if (warning !== undefined) warn?.(warning)
      const text = await handle.readFile('utf8')
      if (text.length > MAX_INPUT) {
        throw new AppError('bad_request', { reason: `${path} is too large to be a token file.` })
      }
      return text
    } finally {
      await handle.close()
    }
  } catch (err) {
    if (err instanceof AppError) throw err
    const code = errnoCode(err)
    throw new AppError('bad_request', { reason: `${path} could not be read (${code}).` })
  }
}
