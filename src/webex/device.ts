// The device grant's fixed facts (docs/webex-contract.md, "Device grant"), shared by the CLI,
// the Webex client and the emulator.

export const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'

/** The redirect URIs of Webex's OAuth helper service, which an integration must register to use the device grant. */
export const DEVICE_HELPER_REDIRECT_URIS = ['a', 'r', 'k', 'd'].map(
  (letter) => `https://oauth-helper-${letter}.wbx2.com/helperservice/v1/actions/device/callback`
)
