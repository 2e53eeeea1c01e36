// This process's user and group, where file modes mean something (not on Windows): what the
// settings files, the token files and the sandbox's key file are judged against.
export function currentUser (): { uid: number, gid: number } | undefined {
  return process.platform === 'win32' || process.getuid === undefined || process.getgid === undefined
    ? undefined
    : { uid: process.getuid(), gid: process.getgid() }
}
