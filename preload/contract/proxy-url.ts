// Proxy URLs as every job takes them: socks5://, socks5h://, socks4:// or http://, an optional user
// name, a host and a port. Zod-free, so the CLI can check --proxy without loading the contract's
// schemas; the network schema uses the same function.

export const PROXY_PROTOCOLS = ['socks5', 'socks5h', 'socks4', 'http'] as const
export type ProxyProtocol = (typeof PROXY_PROTOCOLS)[number]

/** A parsed proxy URL. The password is never part of it: it comes from the secret store or an environment variable. */
export interface ProxyTarget {
  protocol: ProxyProtocol
  host: string
  port: number
  user: string | null
}

/** Ports people mean when they leave the port out (curl's defaults). */
const DEFAULT_PORTS: Record<ProxyProtocol, number> = { socks5: 1080, socks5h: 1080, socks4: 1080, http: 3128 }

/** The proxy URL parsed, or a sentence saying what is wrong with it. */
export function parseProxyUrl(text: string): ProxyTarget | { problem: string } {
  const raw = text.trim()
  if (/[\s\0]/.test(raw)) return { problem: 'the proxy URL contains a space or a line break' }
  const scheme = /^([a-z0-9]+):\/\//i.exec(raw)?.[1]?.toLowerCase()
  if (!scheme) return { problem: 'the proxy must be a URL such as socks5://127.0.0.1:1080 or http://proxy.example.com:3128' }
  const protocol = PROXY_PROTOCOLS.find((p) => p === scheme)
  if (!protocol) return { problem: `proxy scheme '${scheme.slice(0, 20)}' is not supported (use ${PROXY_PROTOCOLS.map((p) => `${p}://`).join(', ')})` }
  let url: URL
  try {
    // WHATWG URL parses authority, IPv6 brackets and ports the same way for any special-less scheme once it is http.
    url = new URL(`http://${raw.slice(scheme.length + 3)}`)
  } catch {
    return { problem: 'the proxy URL cannot be read: give scheme://[user@]host:port' }
  }
  if (url.password) return { problem: 'the proxy password may not be part of the URL (it would show in the process list and in files): give it through the secret store or --proxy-password-env VAR' }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return { problem: 'the proxy URL takes scheme://[user@]host:port only, with no path' }
  if (!url.hostname) return { problem: 'the proxy URL has no host' }
  const user = url.username ? decodeURIComponent(url.username) : null
  if (user !== null && user.length > 255) return { problem: 'the proxy user name is longer than 255 characters' }
  if (user === null && raw.includes('@')) return { problem: 'the proxy user name before @ is empty' }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[protocol]
  return { protocol, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, user }
}

/** How a proxy is named in transcripts and results: its URL without any credential. */
export function describeProxy(p: ProxyTarget): string {
  const host = p.host.includes(':') ? `[${p.host}]` : p.host
  return `${p.protocol}://${p.user ? `${encodeURIComponent(p.user)}@` : ''}${host}:${p.port}`
}
