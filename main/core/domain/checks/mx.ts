// MX: where mail to the domain goes (bounces and replies included), each host's addresses and,
// when asked, what each address says on the SMTP port: STARTTLS, a certificate valid for the MX
// name, the name in its banner. The probe is the existing probe engine, run on each address.
import type { DomainItem, DomainJob, DomainStatus, ProbePort } from '../../../../preload/contract'
import { runProbe } from '../../probe'
import { mapLimit, MX_CONCURRENCY } from '../../probe/mx'
import type { CheckFinding, DomainCheckDefinition, DomainContext } from '../context'
import { addressesOf, isDnsFailure, item, listed, lookupMxHosts, plural, trouble, type MxHost } from './common'

/** At most this many addresses are probed in all (the first ones by MX preference). */
const MAX_PROBED = 10

export const mxCheck: DomainCheckDefinition = {
  id: 'mx',
  async run(ctx): Promise<CheckFinding> {
    const { domain } = ctx.job
    const title = 'MX'
    const found = await lookupMxHosts(ctx.dns, domain)
    if (found.kind === 'none') {
      const { answer } = found
      if (answer.reason === 'nxdomain')
        return { status: 'fail', title, detail: `${domain} does not exist in DNS: check the spelling, or that the domain is registered and its name servers answer for it.`, records: [] }
      if (isDnsFailure(answer))
        return {
          status: 'fail',
          title,
          detail: `Could not look up the MX records of ${domain} (${trouble(answer)}): receivers that cannot either will defer mail to it; check the domain's name servers.`,
          records: [],
        }
      // No MX: senders fall back to the domain's own address (RFC 5321 §5.1), if it has one.
      const self = await addressesOf(ctx.dns, domain)
      const detail = self.addresses.length
        ? `${domain} has no MX record, so mail to it goes to its own address (${listed(self.addresses)}): publish an MX record naming the host that receives its mail.`
        : `${domain} has no MX record and no address: mail to it (replies and bounces included) cannot be delivered; publish an MX record naming the host that receives its mail.`
      return { status: 'fail', title, detail, records: self.records }
    }
    if (found.kind === 'null') {
      const detail = found.alone
        ? `${domain} publishes a null MX (RFC 7505): it accepts no mail, and receivers may refuse mail from it because replies and bounces cannot reach it.`
        : `${domain} publishes a null MX (RFC 7505) beside other MX records, which is invalid: remove the null MX (MX 0 .) or the others.`
      return { status: found.alone ? 'warn' : 'fail', title, detail, records: found.records }
    }

    const { hosts } = found
    const records = [...found.records, ...hosts.flatMap((h) => h.records)]
    const items: DomainItem[] = hosts.map(hostItem)
    const names = hosts.map((h) => h.exchange)
    const unreachable = hosts.filter((h) => !h.addresses.length)
    if (found.dropped) ctx.note(`${plural(found.dropped, 'more MX host')} than the ${hosts.length} looked at`)

    let probes: ProbeOutcome[] = []
    if (ctx.job.probeMx && hosts.some((h) => h.addresses.length)) {
      const targets = hosts.flatMap((h) => h.addresses.map((address) => ({ host: h.exchange, address }))).slice(0, MAX_PROBED)
      probes = await mapLimit(targets, MX_CONCURRENCY, (t) => probeAddress(ctx, t.host, t.address))
      items.push(...probes.map((p) => p.item))
    }

    if (unreachable.length === hosts.length)
      return {
        status: 'fail',
        title,
        detail: `No MX host of ${domain} has an address (${listed(names)}): mail to it cannot be delivered; give each an A or AAAA record.`,
        records,
        items,
      }
    const served = `${domain} receives mail at ${hosts.length === 1 ? names[0] : `${names[0]} and ${plural(hosts.length - 1, 'more host')}`}`
    if (unreachable.length)
      return {
        status: 'warn',
        title,
        detail: `${served}, but ${listed(unreachable.map((h) => h.exchange))} ${unreachable.length === 1 ? 'has' : 'have'} no address: give ${unreachable.length === 1 ? 'it' : 'each'} an A or AAAA record, or remove it from the MX records.`,
        records,
        items,
      }
    const troubled = probes.find((p) => p.status !== 'pass')
    if (troubled) return { status: 'warn', title, detail: `${served}; ${troubled.item.label}: ${troubled.item.detail}.`, records, items }
    const probed = probes.length ? `; every address answers on port ${ctx.job.mxPort} with STARTTLS and a certificate valid for its MX name` : ''
    return { status: 'pass', title, detail: `${served}${probed}.`, records, items }
  },
}

function hostItem(h: MxHost): DomainItem {
  const label = `${h.priority} ${h.exchange}`
  if (h.addresses.length) return item(label, 'pass', `addresses ${listed(h.addresses)}`)
  if (h.failure) return item(label, 'warn', `its address could not be looked up (${h.failure})`)
  return item(label, 'fail', `${h.exchange} has no A or AAAA record: senders cannot reach it`)
}

interface ProbeOutcome {
  status: DomainStatus
  item: DomainItem
}

/** One MX address on the job's MX port, with the probe engine: it is given the address (its own DNS is the system's) and the MX name for TLS. */
async function probeAddress(ctx: DomainContext, host: string, address: string): Promise<ProbeOutcome> {
  const job: DomainJob = ctx.job
  const result = await runProbe({ host: address, ports: [job.mxPort], timeoutMs: job.timeoutMs, network: job.network, tls: { ...job.tls, servername: host } }, { signal: ctx.signal })
  const label = `${host} (${address}) port ${job.mxPort}`
  const port = result.ports[0]
  const outcome = port ? judge(port, host, job.mxPort) : { status: 'warn' as const, detail: `not probed: ${result.error?.message ?? 'the probe gave no answer'}` }
  ctx.note(`${label}: ${outcome.detail}`)
  return { status: outcome.status, item: item(label, outcome.status, outcome.detail) }
}

/** What a receiving server on port 25 should show: an SMTP greeting, STARTTLS, a certificate for its MX name. */
function judge(p: ProbePort, host: string, port: number): { status: DomainStatus; detail: string } {
  const banner = p.banner ? `; its banner names ${p.banner.split(/\s+/)[0]}` : ''
  if (p.state !== 'open' || p.speaks !== 'smtp') {
    const why =
      p.state === 'open'
        ? `it does not speak SMTP (${p.other ?? 'an unknown service'})`
        : p.state === 'refused'
          ? 'the connection was refused'
          : p.state === 'error'
            ? (p.error?.message ?? 'the connection failed')
            : `no answer (${p.state})`
    return { status: 'warn', detail: `${why}: check that the host accepts mail on port ${port} (many networks block outgoing port ${port}: if so, run this check from a server)` }
  }
  if (p.bannerCode !== 220) return { status: 'warn', detail: `it greets with ${p.bannerCode ?? 'no code'} instead of 220, refusing mail${banner}` }
  if (!p.starttls) return { status: 'warn', detail: `it offers no STARTTLS, so mail to it travels unencrypted: enable STARTTLS with a certificate for ${host}${banner}` }
  if (!p.tls) return { status: 'warn', detail: `it offers STARTTLS but the TLS handshake failed (${p.error?.message ?? 'no detail'}): senders fall back to plaintext or give up${banner}` }
  if (p.tls.verification)
    return { status: 'warn', detail: `${certificateTrouble(p.tls, host)}: senders that verify (MTA-STS) will refuse it; give ${host} a certificate from a public CA that names it${banner}` }
  return { status: 'pass', detail: `STARTTLS with a certificate valid for ${host} (${p.tls.protocol})${banner}` }
}

/** Why a certificate does not verify, in a few words. */
function certificateTrouble(t: NonNullable<ProbePort['tls']>, host: string): string {
  switch (t.verification?.code) {
    case 'CERT_HOSTNAME_MISMATCH':
      return `its certificate is for ${listed(t.sans.length ? t.sans : [t.subject])}, not ${host}`
    case 'CERT_EXPIRED':
      return `its certificate is outside its validity (until ${t.validTo})`
    case 'CERT_UNTRUSTED':
      return `its certificate is not signed by a CA this machine trusts (issued by ${t.issuer})`
    default:
      return `its certificate fails verification (${t.verification?.detail ?? t.verification?.message ?? 'unknown reason'})`
  }
}
