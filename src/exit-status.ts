// The exit statuses every entry point shares, whatever failed: the server's start-up (server.ts)
// and the CLI (cli/exit-codes.ts, which adds one per kind of error).
export const EXIT = {
  ok: 0,
  /** Unexpected errors, and the CLI's loopback port already taken. */
  failure: 1,
  usage: 2,
  /** Bad configuration (sysexits EX_CONFIG). */
  config: 78,
  /** Ctrl-C: 128 + SIGINT. */
  cancelled: 130,
  /** stdout closed under us (`… | head`): 128 + SIGPIPE, as the shell reports for other tools. */
  pipeClosed: 141
} as const
