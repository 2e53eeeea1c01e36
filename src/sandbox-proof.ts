// How the CLI knows that the sandbox it is about to hand a token to is the one this user started,
// and not any program that answers on its port. A name in a JSON body proves nothing: any local
// user can bind a free loopback port and answer like us. So a sandbox started by `npm start`
// makes a random key for its run and writes it to a 0600 file in the user's own runtime folder
// (0700), named by its port. The CLI reads that key, sends a fresh nonce, and trusts the answer
// only if it is the key's HMAC of the nonce and the port: only a process that could read the
// file, the user's own sandbox, can make it. The key never crosses the socket.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { constants, promises as fs } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, isAbsolute, join } from 'node:path'
import { currentUser } from './current-user.ts'
import { errnoCode } from './errno.ts'

/** Where the proof is asked for, under the sandbox's mount. */
export const PROOF_PATH = '/proof'

const KEY_BYTES = 32
const NONCE = /^[A-Za-z0-9_-]{43}$/

/** A run's key: 32 random bytes. */
export function newSandboxKey (): Buffer {
  return randomBytes(KEY_BYTES)
}

/** The answer to a nonce: HMAC-SHA256 over the port and the nonce, base64url. */
export function sandboxProof (key: Buffer, port: number, nonce: string): string {
  return createHmac('sha256', key).update(`webex-token-issuer sandbox proof v1\n${port}\n${nonce}`).digest('base64url')
}

/** Whether a nonce is one the CLI would send (43 base64url characters, 32 bytes). */
export function isNonce (value: string): boolean {
  return NONCE.test(value)
}

/**
 * The user's own runtime folder for this tool: $XDG_RUNTIME_DIR/webex-token-issuer (the folder
 * the login session gives each user, 0700); without one, webex-token-issuer in the user's cache
 * folder ($XDG_CACHE_HOME or ~/.cache), not in the shared temporary folder, where another user
 * could make the name first; on macOS and Windows, whose temporary folder is the user's own,
 * there. Made 0700 when missing; refused (undefined) when it is a link, another user's, or open
 * to group or others, since whoever can write there could plant a key.
 */
export async function runtimeDir (env: NodeJS.ProcessEnv, create: boolean): Promise<string | undefined> {
  const me = currentUser()
  const dir = runtimeDirPath(env, me?.uid)
  if (create) {
    await fs.mkdir(dirname(dir), { recursive: true, mode: 0o700 })
    await fs.mkdir(dir, { mode: 0o700 }).catch((err: unknown) => {
      if (errnoCode(err) !== 'EEXIST') throw err
    })
  }
  const stat = await fs.lstat(dir).catch(() => undefined)
  if (stat === undefined || !stat.isDirectory()) return undefined
  if (me !== undefined && (stat.uid !== me.uid || (stat.mode & 0o077) !== 0)) return undefined
  return dir
}

function runtimeDirPath (env: NodeJS.ProcessEnv, uid: number | undefined): string {
  const absolute = (path: string | undefined) => (path !== undefined && isAbsolute(path) ? path : undefined)
  const runtime = absolute(env.XDG_RUNTIME_DIR)
  if (runtime !== undefined) return join(runtime, 'webex-token-issuer')
  if (process.platform === 'darwin' || process.platform === 'win32') {
    return join(tmpdir(), `webex-token-issuer-${uid ?? 'user'}`)
  }
  return join(absolute(env.XDG_CACHE_HOME) ?? join(absolute(env.HOME) ?? homedir(), '.cache'), 'webex-token-issuer')
}

function keyFile (dir: string, port: number): string {
  return join(dir, `sandbox-${port}.key`)
}

/**
 * Writes this run's key for the sandbox on `port` (0600, replacing a stale one) and returns how
 * to remove it, which the server does as it closes. Undefined when there is no safe folder.
 */
export async function publishSandboxKey (
  env: NodeJS.ProcessEnv,
  port: number,
  key: Buffer
): Promise<(() => Promise<void>) | undefined> {
  const dir = await runtimeDir(env, true).catch(() => undefined)
  if (dir === undefined) return undefined
  const path = keyFile(dir, port)
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
  await fs.writeFile(temporary, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' })
  await fs.rename(temporary, path)
  return async () => {
    // Only our own key: a sandbox started since on the same port has written its own.
    const current = await readKey(path)
    if (current !== undefined && timingSafeEqual(current, key)) await fs.rm(path, { force: true })
  }
}

/** A key file's key, when it is a regular file of this user's that nobody else can read. */
async function readKey (path: string): Promise<Buffer | undefined> {
  let handle
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch {
    return undefined
  }
  try {
    const stat = await handle.stat()
    const me = currentUser()
    if (!stat.isFile() || stat.size > 200) return undefined
    if (me !== undefined && (stat.uid !== me.uid || (stat.mode & 0o077) !== 0)) return undefined
    const key = Buffer.from((await handle.readFile('utf8')).trim(), 'base64url')
    return key.length === KEY_BYTES ? key : undefined
  } finally {
    await handle.close()
  }
}

/**
 * Whether the sandbox started by this user answers on 127.0.0.1:port: it must show the HMAC of
 * a fresh nonce under the key in the user's runtime folder. No key file, a wrong answer, or no
 * answer within a second is no.
 */
export async function sandboxProves (env: NodeJS.ProcessEnv, port: number): Promise<boolean> {
  const dir = await runtimeDir(env, false)
  if (dir === undefined) return false
  const key = await readKey(keyFile(dir, port))
  if (key === undefined) return false
  const nonce = randomBytes(KEY_BYTES).toString('base64url')
  try {
    // Loaded here, not at start-up: the server only answers proofs (undici costs its start-up ~80 ms).
    const { request } = await import('undici')
    const res = await request(`http://127.0.0.1:${port}/sandbox/v1${PROOF_PATH}?nonce=${nonce}`, {
      headersTimeout: 1000,
      bodyTimeout: 1000,
      // One question, on a connection of its own: nothing is kept open to a port anyone may hold.
      reset: true,
      headers: { accept: 'application/json' }
    })
    let body = ''
    for await (const chunk of res.body) {
      body += String(chunk)
      if (body.length > 1000) {
        res.body.destroy()
        return false
      }
    }
    if (res.statusCode !== 200) return false
    const proof = (JSON.parse(body) as { proof?: unknown }).proof
    if (typeof proof !== 'string') return false
    const expected = Buffer.from(sandboxProof(key, port, nonce))
    const given = Buffer.from(proof)
    return given.length === expected.length && timingSafeEqual(given, expected)
  } catch {
    return false
  }
}
