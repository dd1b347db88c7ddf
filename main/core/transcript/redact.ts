/**
 * The last line of defence for secrets: every transcript line, error text and result string
 * passes through a Redactor built from the job's secrets before it leaves the engine.
 *
 * Engines redact AUTH exchanges structurally (they know which line carries a credential);
 * this catches what structure cannot: a server echoing a credential, a secret inside an
 * error message, an encoding we did not expect. It replaces, visibly, with `[redacted]`.
 */
export const REDACTED = '[redacted]'

/** Secrets shorter than this are only removed structurally: scrubbing "ab" everywhere would wreck the transcript. */
const MIN_LITERAL = 3
/** Base64 runs shorter than this cannot hold a secret of MIN_LITERAL bytes plus framing worth checking. */
const MIN_B64_RUN = 4

const B64_RUN = /[A-Za-z0-9+/_-]{4,}={0,2}/g

export class Redactor {
  private needles: string[] = []
  /** Each value to find in decoded base64, with its UTF-8 bytes read as latin1 (how it shows in a latin1 decoding). */
  private decodedNeedles: { text: string; latin1: string }[] = []
  private readonly secrets: string[] = []
  private readonly hidden: string[] = []

  /**
   * @param secrets values that must never appear (passwords, tokens, API keys)
   * @param hidden values that must not appear in base64 blobs either (a username hidden by default)
   */
  constructor(secrets: readonly string[], hidden: readonly string[] = []) {
    this.secrets.push(...secrets)
    this.hidden.push(...hidden)
    this.rebuild()
  }

  /**
   * Adds secrets learned while the job runs (an OAuth2 sign-in's device code, PKCE verifier and
   * the tokens it receives): from now on they are redacted like the ones given at the start.
   */
  add(...secrets: readonly (string | null | undefined)[]): void {
    const fresh = secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_LITERAL && !this.secrets.includes(s))
    if (!fresh.length) return
    this.secrets.push(...fresh)
    this.rebuild()
  }

  private rebuild(): void {
    const { secrets, hidden } = this
    const all = [...secrets, ...hidden].filter((s) => typeof s === 'string' && s.length >= MIN_LITERAL)
    const forms = new Set<string>()
    for (const s of secrets.filter((x) => x.length >= MIN_LITERAL)) {
      forms.add(s)
      // A lone surrogate cannot be percent-encoded (URIError); such a secret cannot travel URL-encoded either.
      const uri = wellFormed(s) ? encodeURIComponent(s) : null
      // Percent-encoding in either hex case, '+' for space, and the stricter form encoding (URLSearchParams: ! ' ( ) ~ too).
      for (const u of uri === null ? [] : [uri, uri.replace(/%20/g, '+'), new URLSearchParams({ x: s }).toString().slice(2)]) {
        forms.add(u)
        forms.add(u.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()))
      }
      const hex = Buffer.from(s, 'utf8').toString('hex')
      forms.add(hex)
      forms.add(hex.toUpperCase())
      for (const b of base64Variants(s)) forms.add(b)
    }
    // Longest first, so a secret that contains another is removed whole.
    this.needles = [...forms].filter((f) => f.length >= MIN_LITERAL).sort((a, b) => b.length - a.length)
    this.decodedNeedles = all.map((text) => ({ text, latin1: Buffer.from(text, 'utf8').toString('latin1') }))
  }

  get active(): boolean {
    return this.needles.length > 0 || this.decodedNeedles.length > 0
  }

  redact(text: string): string {
    if (!this.active || !text) return text
    let out = text
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join(REDACTED)
    if (this.decodedNeedles.length) out = out.replace(B64_RUN, (run) => (this.base64Hides(run) ? REDACTED : run))
    return out
  }

  /** True when some alignment of this base64-looking run decodes to text containing a secret. */
  private base64Hides(run: string): boolean {
    if (run.length < MIN_B64_RUN) return false
    const clean = run.replace(/-/g, '+').replace(/_/g, '/')
    for (let offset = 0; offset < 4 && clean.length - offset >= MIN_B64_RUN; offset++) {
      const bytes = Buffer.from(clean.slice(offset), 'base64')
      const decoded = bytes.toString('latin1')
      const utf8 = bytes.toString('utf8')
      for (const n of this.decodedNeedles) {
        if (decoded.includes(n.text) || utf8.includes(n.text) || decoded.includes(n.latin1)) return true
      }
    }
    return false
  }
}

function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)
}

/** base64 of the secret alone at the three byte alignments it can take inside a longer blob, trimmed to the stable middle. */
function base64Variants(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const out: string[] = [bytes.toString('base64'), bytes.toString('base64url')]
  for (let pad = 0; pad < 3; pad++) {
    const enc = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64')
    // Keep only the characters whose 6 bits all come from the secret's bytes.
    const start = Math.ceil((pad * 8) / 6)
    const end = Math.floor(((pad + bytes.length) * 8) / 6)
    const middle = enc.slice(start, end)
    if (middle.length >= 8) out.push(middle)
  }
  return out
}

/**
 * The secrets a job's input carries, valid or not (a rejected input may still hold one): the SMTP
 * password or token, an API's key, secret and session token, a proxy's password, an OAuth2
 * sign-in's secrets (`oauth`: its tokens, client secret and certificate key, when a job is given
 * them), a watched mailbox's password or token and its proxy's password (`delivery`), and a DKIM
 * private key. One list for every engine's redactor.
 */
export function secretsOf(input: unknown): string[] {
  const i = (input ?? {}) as {
    auth?: { secret?: unknown }
    credentials?: Record<string, unknown>
    network?: { proxy?: { password?: unknown } }
    oauth?: { accessToken?: unknown; refreshToken?: unknown; clientSecret?: unknown; clientCertificate?: { privateKeyPem?: unknown } }
    delivery?: { secret?: unknown; network?: { proxy?: { password?: unknown } } }
    dkim?: { privateKey?: unknown }
  }
  const values = [
    i.auth?.secret,
    i.credentials?.key,
    i.credentials?.secret,
    i.credentials?.sessionToken,
    i.network?.proxy?.password,
    i.oauth?.accessToken,
    i.oauth?.refreshToken,
    i.oauth?.clientSecret,
    i.oauth?.clientCertificate?.privateKeyPem,
    i.delivery?.secret,
    i.delivery?.network?.proxy?.password,
    i.dkim?.privateKey,
  ]
  return values.filter((s): s is string => typeof s === 'string' && s.length > 0)
}

/** The names a job hides by default (never shown, not even inside base64): its SMTP user unless it asks to show it, and a watched mailbox's user. */
export function hiddenNamesOf(input: unknown, showUsername = false): string[] {
  const i = (input ?? {}) as { auth?: { user?: unknown }; delivery?: { user?: unknown } }
  return [showUsername ? undefined : i.auth?.user, i.delivery?.user].filter((s): s is string => typeof s === 'string' && s.length > 0)
}
