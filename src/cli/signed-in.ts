// The line that names who signed in, on stderr before any token is written: had someone else
// used the sign-in first, their account (a stranger's name, another org) is seen at once.
import { orgIdFromToken, type Person, type TokenSet } from '../webex/resources.ts'

/** "Signed in as NAME <email> (org ORGNAME)", with the org's id when its name could not be read. */
export function signedInLine ({
  tokens,
  person,
  orgName
}: {
  tokens: TokenSet
  person?: Person | undefined
  orgName?: string | undefined
}): string {
  if (person === undefined) {
    return 'Signed in, but people/me did not say as whom: check the account with `webex-token-issuer whoami` before using these tokens.'
  }
  const name = person.displayName?.trim() ?? ''
  const email = person.emails[0]
  const who = [name, email === undefined ? '' : `<${email}>`].filter((part) => part !== '').join(' ')
  const org = orgName ?? person.orgId ?? orgIdFromToken(tokens.accessToken)
  return `Signed in as ${who === '' ? person.id : who}${org === undefined ? '' : ` (org ${org})`}`
}
