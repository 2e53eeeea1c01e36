// The errno-style code of a failure (ENOENT, EADDRINUSE…), for messages that name what went
// wrong without the error's text, which may quote a path or a value.
export function errnoCode (err: unknown, fallback = 'unknown error'): string {
  return err instanceof Error && 'code' in err ? String(err.code) : fallback
}
