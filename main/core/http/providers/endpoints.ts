// The documented paths of the providers the sandbox also answers, one home for the client modules
// that call them and the sandbox's provider modules that serve them. {name} stands for one path
// segment. No imports, so the sandbox depends on nothing else of the client side.
export const PROVIDER_PATHS = {
  mailgun: { send: '/v3/{domain}/messages', verify: '/v3/domains/{domain}' },
  sendgrid: { send: '/v3/mail/send', verify: '/v3/scopes' },
  postmark: { send: '/email', verify: '/server' },
} as const

/** Postmark's documented test token: any server accepts it, validates the payload and sends nothing. */
export const POSTMARK_TEST_TOKEN = 'POSTMARK_API_TEST'

/** A path template with its parameters filled in, each encoded as one segment: "/v3/{domain}/messages" → "/v3/mg.example.com/messages". */
export function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''))
}
