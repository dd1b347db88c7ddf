// Fetches an MTA-STS policy the way RFC 8461 §3.3 says a sender does: HTTPS to mta-sts.DOMAIN with a
// certificate valid for that name, no redirects followed, a size bound. The name is resolved
// through the run's DNS (not the system resolver: the run may be asking a particular server, and
// tests serve the zone locally) and the connection goes to that address.
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { abortError } from '../../errors'
import { buildTlsOptions, verificationError } from '../../net/tls'
import type { DomainContext } from '../context'

/** RFC 8461 leaves the bound to senders; 64 KiB is far more than any real policy. */
export const MAX_POLICY_BYTES = 64 * 1024

export type PolicyFetch =
  | { ok: true; body: string; address: string; contentType: string | null; insecure: boolean }
  /** `why` completes "…, but …": "mta-sts.example.com does not resolve". */
  | { ok: false; why: string }

export const policyUrl = (domain: string) => `https://mta-sts.${domain}/.well-known/mta-sts.txt`

export async function fetchPolicy(ctx: DomainContext, domain: string): Promise<PolicyFetch> {
  const host = `mta-sts.${domain}`
  const url = policyUrl(domain)
  const address = await addressOf(ctx, host)
  if (!address.ok) return address
  const { job } = ctx
  // Our own trust settings (the job's CA, never its SNI override): the certificate must be valid for mta-sts.DOMAIN.
  const tlsOptions = await buildTlsOptions(host, { ...job.tls, servername: host })
  const lookup = ((_name: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: address.address, family: address.family }])
    else callback(null, address.address, address.family)
  }) as unknown as LookupFunction

  return new Promise<PolicyFetch>((resolve, reject) => {
    let settled = false
    const finish = (outcome: PolicyFetch | Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      ctx.signal?.removeEventListener('abort', onAbort)
      request.destroy()
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }
    const request = https.request(
      {
        ...tlsOptions,
        host,
        port: job.mtaStsPort,
        path: '/.well-known/mta-sts.txt',
        method: 'GET',
        headers: { 'user-agent': 'Mailprobe (MTA-STS check)', accept: 'text/plain' },
        lookup,
        agent: false,
        ...(job.network.localAddress ? { localAddress: job.network.localAddress } : {}),
      },
      (response) => {
        const untrusted = verificationError(response.socket as TLSSocket, host)
        if (untrusted && !job.tls.insecure) return finish({ ok: false, why: `${url} has a certificate senders refuse (${certificateTrouble(untrusted.code, host)})` })
        const status = response.statusCode ?? 0
        if (status >= 300 && status < 400)
          return finish({ ok: false, why: `${url} answers ${status} with a redirect${response.headers.location ? ` to ${response.headers.location}` : ''}, which RFC 8461 forbids senders to follow` })
        if (status !== 200) return finish({ ok: false, why: `${url} answers ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}` })
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_POLICY_BYTES) return finish({ ok: false, why: `${url} is larger than ${MAX_POLICY_BYTES / 1024} KiB` })
          chunks.push(chunk)
        })
        response.on('end', () =>
          finish({
            ok: true,
            body: Buffer.concat(chunks).toString('utf8'),
            address: address.address,
            contentType: response.headers['content-type'] ?? null,
            insecure: untrusted !== null,
          }),
        )
        response.on('error', (err) => finish({ ok: false, why: `${url} broke off (${err.message})` }))
      },
    )
    request.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, why: connectionTrouble(err, host, address.address, job.mtaStsPort) }))
    const timer = setTimeout(() => finish({ ok: false, why: `${url} did not answer within ${job.timeoutMs} ms` }), job.timeoutMs)
    const onAbort = () => finish(abortError())
    if (ctx.signal?.aborted) onAbort()
    else ctx.signal?.addEventListener('abort', onAbort, { once: true })
    request.end()
  })
}

/** mta-sts.DOMAIN's address through the run's DNS, in the job's address family (IPv4 first for 'auto'). */
async function addressOf(ctx: DomainContext, host: string): Promise<{ ok: true; address: string; family: 4 | 6 } | { ok: false; why: string }> {
  const family = ctx.job.network.family
  if (family !== 'ipv6') {
    const a = await ctx.dns.a(host)
    if (a.ok) return { ok: true, address: a.records[0]!, family: 4 }
    if (family === 'ipv4') return { ok: false, why: a.reason === 'nxdomain' || a.reason === 'nodata' ? `${host} has no IPv4 address` : `${host} could not be resolved (${a.message})` }
  }
  const aaaa = await ctx.dns.aaaa(host)
  if (aaaa.ok) return { ok: true, address: aaaa.records[0]!, family: 6 }
  return { ok: false, why: aaaa.reason === 'nxdomain' || aaaa.reason === 'nodata' ? `${host} does not resolve` : `${host} could not be resolved (${aaaa.message})` }
}

function certificateTrouble(code: string, host: string): string {
  switch (code) {
    case 'CERT_EXPIRED':
      return 'it has expired or is not yet valid'
    case 'CERT_HOSTNAME_MISMATCH':
      return `it is not valid for ${host}`
    case 'CERT_UNTRUSTED':
      return 'no trusted CA signed it'
    default:
      return 'it failed verification'
  }
}

function connectionTrouble(err: NodeJS.ErrnoException, host: string, address: string, port: number): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `${host} (${address}) refuses connections on port ${port}`
    case 'ECONNRESET':
      return `${host} (${address}) closed the connection on port ${port}`
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} (${address}) cannot be reached`
    default:
      return /SSL|TLS|certificate/i.test(err.message) ? `the TLS handshake with ${host} failed (${err.message})` : `${host} (${address}) could not be fetched from (${err.code ?? err.message})`
  }
}
