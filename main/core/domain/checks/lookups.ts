// Small DNS readings several checks share. They ask through ctx.dns, whose answers are cached for
// the run: a name another check already asked (the MX list, the SPF and DMARC records) costs nothing.
import type { DnsAnswer, DomainContext } from '../context'
import { mailauth } from './common'

export const bare = (name: string) => name.trim().toLowerCase().replace(/\.$/, '')

/** The TXT records at `name` that start with `tag` (`v=spf1`, `v=STSv1` …), and why there are none when DNS failed. */
export async function taggedTxt(ctx: DomainContext, name: string, tag: RegExp): Promise<{ records: string[]; failure: Extract<DnsAnswer<string>, { ok: false }> | null }> {
  const answer = await ctx.dns.txt(name)
  if (!answer.ok) return { records: [], failure: answer.reason === 'nxdomain' || answer.reason === 'nodata' ? null : answer }
  return { records: answer.records.map((r) => r.trim()).filter((r) => tag.test(r)), failure: null }
}

/**
 * The organisational domain (the registrable domain by the public suffix list, reckoned as
 * mailauth reckons it: tldts with mailauth's options): where an inherited DMARC record lives, and
 * what relaxed alignment compares.
 */
export async function orgDomain(domain: string): Promise<string> {
  const [{ getDomain }, { tools }] = await Promise.all([import('tldts'), mailauth()])
  return getDomain(domain, tools.TLDTS_OPTS) ?? domain
}
