// Tokens handed to the CLI: a bare token, or a file that `token --out` wrote (json or env),
// from a flag, a file or stdin. Parsed with zod; nothing is echoed back on failure.
import { errnoCode } from '../errno.ts'
import { readFile } from 'node:fs/promises'
import { parse as parseDotenv } from 'dotenv'
import * as z from 'zod'
import { AppError } from '../errors.ts'
import { withoutBearer } from '../oauth/token-file.ts'

const MAX_INPUT = 64 * 1024
const BARE_TOKEN = /^[A-Za-z0-9_.~+/=-]{8,4096}$/

const jsonFile = z
  .object({
    access_token: z.string().optional(),
    expires_at: z.string().optional(),
    client_id: z.string().optional(),
    refresh_token: z.string().optional(),
    refresh_token_expires_at: z.string().optional()
  })

export interface HeldTokens {
  accessToken?: string
  /** When the access token expires, when the file says. */
  accessTokenExpiresAt?: Date
  /** The client the tokens belong to, when the file says (a service app's tokens). */
  clientId?: string
  refreshToken?: string
  refreshTokenExpiresAt?: Date
}

function date (value: string | undefined): Date | undefined {
  if (value === undefined) return undefined
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d
}

/** Where each held value is in a JSON file and in an env file that `token --out` wrote (oauth/token-file.ts). */
const FIELDS = {
  json: ['access_token', 'expires_at', 'client_id', 'refresh_token', 'refresh_token_expires_at'],
  env: ['WEBEX_ACCESS_TOKEN', 'WEBEX_ACCESS_TOKEN_EXPIRES_AT', 'WEBEX_CLIENT_ID', 'WEBEX_REFRESH_TOKEN', 'WEBEX_REFRESH_TOKEN_EXPIRES_AT']
} as const

/** The held tokens of a file's values, read by that file's names. */
function heldFrom (
  values: Readonly<Record<string, string | undefined>>,
  names: typeof FIELDS[keyof typeof FIELDS]
): HeldTokens {
  const [access, accessExpiry, client, refresh, refreshExpiry] = names
  return {
    accessToken: values[access],
    accessTokenExpiresAt: date(values[accessExpiry]),
    clientId: values[client],
    refreshToken: values[refresh],
    refreshTokenExpiresAt: date(values[refreshExpiry])
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

export async function readInputFile (path: string): Promise<string> {
  try {
    const text = await readFile(path, 'utf8')
    if (text.length > MAX_INPUT) {
      throw new AppError('bad_request', { reason: `${path} is too large to be a token file.` })
    }
    return text
  } catch (err) {
    if (err instanceof AppError) throw err
    const code = errnoCode(err)
    throw new AppError('bad_request', { reason: `${path} could not be read (${code}).` })
  }
}
