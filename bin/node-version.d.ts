/** Why `version` (as process.versions.node gives it) cannot run this tool, or undefined when it can. */
export function nodeVersionProblem (version: string): string | undefined
/** Stops the process with that one line when this Node cannot run the tool. */
export function requireSupportedNode (): void
