// DKIM: for each selector (those named, and the provider's known ones) the key at
// SELECTOR._domainkey.DOMAIN, following CNAMEs (where they point, whether that is where the provider
// says), read with mailauth as receivers read it: the key type and size (node:crypto), testing mode
// (t=y), a revoked key (empty p=).
import { createPublicKey } from 'node:crypto'
import type { DomainItem, DomainRecord, DomainStatus } from '../../../../preload/contract'
import { worstStatus } from '../../../../preload/contract'
import type { CheckFinding, DomainCheckDefinition, DomainContext, DomainDns } from '../context'
import { PROVIDERS, type ProviderFacts } from '../providers'
import { isDnsFailure, item, listed, mailauth, record, trouble } from './common'

/** CNAME hops followed before giving up (a chain this long is a mistake even without a loop). */
const MAX_HOPS = 8

interface Subject {
  selector: string
  /** Named by the person (its absence is a failure), or one the provider is known to use (its absence is information). */
  named: boolean
}

interface Verdict {
  subject: Subject
  status: DomainStatus
  detail: string
  records: DomainRecord[]
  /** The key found (however weak), in a few words: "RSA 2048-bit"; null when none is usable. */
  key: string | null
  /** Nothing is published under the selector. */
  absent?: boolean
}

export const dkimCheck: DomainCheckDefinition = {
  id: 'dkim',
  async run(ctx): Promise<CheckFinding> {
    const { job } = ctx
    const provider = job.provider ? PROVIDERS[job.provider] : null
    const named = [...new Set(job.dkimSelectors.map((s) => s.toLowerCase()))]
    const known = (provider?.dkim.selectors ?? []).filter((s) => !named.includes(s.toLowerCase()))
    const subjects: Subject[] = [...named.map((selector) => ({ selector, named: true })), ...known.map((selector) => ({ selector, named: false }))]
    const selectors = subjects.map((s) => s.selector)
    const title = selectors.length ? `DKIM (selector${selectors.length === 1 ? '' : 's'} ${selectors.join(', ')})` : 'DKIM'
    if (!subjects.length) {
      const detail = provider
        ? `${provider.label} signs with a selector of your account: give it to check its key; ${provider.dkim.hint ?? `${provider.label} shows it with the domain's DNS records`}.`
        : `DKIM keys live under a name only the signer knows (SELECTOR._domainkey.${job.domain}): give the selector your provider or mail server signs with to check its key.`
      return { status: 'info', title, detail, records: [] }
    }

    const verdicts = await Promise.all(subjects.map((s) => judge(ctx, s, provider)))
    const items: DomainItem[] = verdicts.map((v) => item(v.subject.selector, v.status, v.detail))
    const records = verdicts.flatMap((v) => v.records)
    if (!verdicts.some((v) => v.key)) {
      const absent = verdicts.every((v) => v.absent)
      const first = verdicts.find((v) => v.status === 'fail') ?? verdicts[0]!
      const fix = provider?.dkim.kind === 'cname' ? `publish the CNAMEs ${provider.label} gives you` : 'publish the key your provider or mail server gives you'
      const detail =
        verdicts.length === 1
          ? first.detail
          : absent
            ? `No DKIM key at ${listed(selectors.map((s) => `${s}._domainkey.${job.domain}`)).replace(/ and ([^ ]+)$/, ' or $1')}, so mail from ${job.domain} cannot pass DKIM: ${fix}.`
            : `${first.subject.selector}: ${first.detail}`
      return { status: 'fail', title, detail, records, items }
    }
    const status = worstStatus(verdicts.filter((v) => v.status !== 'info'))
    const worst = verdicts.find((v) => v.status === status && status !== 'pass')
    if (worst) return { status, title, detail: verdicts.length === 1 ? worst.detail : `${worst.subject.selector}: ${worst.detail}`, records, items }
    const found = verdicts.filter((v) => v.key).map((v) => `${v.subject.selector} (${v.key})`)
    return { status, title, detail: `DKIM key${found.length === 1 ? '' : 's'} published for ${listed(found)}.`, records, items }
  },
}

async function judge(ctx: DomainContext, subject: Subject, provider: ProviderFacts | null): Promise<Verdict> {
  const { dns, job } = ctx
  const name = `${subject.selector}._domainkey.${job.domain}`
  const verdict = (status: DomainStatus, detail: string, records: DomainRecord[], key: string | null = null): Verdict => ({ subject, status, detail, records, key })
  const chain = await followCnames(dns, name)
  const hops = chain.hops.map((h) => record('CNAME', h.name, h.target))
  if (chain.loop) return verdict('fail', `${name} is a CNAME chain that loops (${[name, ...chain.hops.map((h) => h.target)].join(' → ')}): point it at the key your provider gives you.`, hops)
  if (chain.tooLong) return verdict('fail', `${name} is a chain of more than ${MAX_HOPS} CNAMEs: point it straight at the key your provider gives you.`, hops)
  if (chain.failure) return verdict('warn', `the key at ${name} could not be looked up (${chain.failure}).`, hops)
  const target = chain.hops.length ? chain.hops[chain.hops.length - 1]!.target : null
  const owner = target ?? name
  const placement = provider ? cnameVerdict(provider, subject.selector, job.domain, target) : null

  const txt = chain.missing ? null : await dns.txt(name)
  if (txt && isDnsFailure(txt)) return verdict('warn', `the key at ${owner} could not be looked up (${trouble(txt)}).`, hops)
  const keys = txt?.ok ? txt.records.filter((r) => /(?:^|;)\s*p\s*=/i.test(r) || /^\s*v\s*=\s*DKIM1/i.test(r)) : []
  if (!keys.length) {
    const where = target ? `${name} points to ${target}, which has no DKIM key` : `No DKIM key at ${name}`
    const fix = target
      ? 'correct the CNAME to the name your provider gives you'
      : provider?.dkim.kind === 'cname'
        ? `publish the CNAME ${provider.label} gives you for it`
        : 'publish the key your provider or mail server gives you (TXT "v=DKIM1; k=rsa; p=…")'
    if (subject.named) return { ...verdict('fail', `${where}: ${fix}.`, hops), absent: !target }
    return { ...verdict('info', `${where}: ${fix} if ${provider?.label ?? 'the provider'} is to sign with it.`, hops), absent: !target }
  }
  const records = [...hops, ...keys.map((k) => record('TXT', owner, k))]
  const extra = keys.length > 1 ? ` (and ${keys.length - 1} more TXT record${keys.length > 2 ? 's' : ''} at ${owner}: receivers may read either; keep one)` : ''
  const key = await readKey(ctx, name, keys[0]!)
  if (key.status === 'fail') return verdict('fail', key.detail, records)
  const worst = worstStatus([key, ...(placement ? [placement] : []), ...(keys.length > 1 ? [{ status: 'warn' as const }] : [])])
  if (placement && placement.status === worst && worst !== 'pass') return verdict(worst, `${key.detail.replace(/\.$/, '')}, but ${placement.detail}${extra}.`, records, key.summary)
  const through = placement?.status === 'pass' ? `, through a CNAME that ${placement.detail}` : ''
  return verdict(worst, `${key.detail.replace(/\.$/, '')}${through}${extra}.`, records, key.summary)
}

interface KeyReading {
  status: DomainStatus
  detail: string
  summary?: string
}

/** The key as mailauth reads it for verification, judged: type and size, testing mode, revoked. */
async function readKey(ctx: DomainContext, name: string, rr: string): Promise<KeyReading> {
  const { tools } = await mailauth()
  const tags = tools.parseDkimHeaders(`DNS: TXT;${rr.replace(/\s+/g, '')}`).parsed
  if (!tags.p) return { status: 'fail', detail: `The record at ${name} has no p= tag, so it is not a DKIM key: publish the key your provider gives you.` }
  if (!tags.p.value)
    return { status: 'fail', detail: `The key at ${name} is revoked (empty p=), so mail signed with this selector fails DKIM: publish the current key, or stop signing with this selector.` }
  let publicKey: string
  try {
    publicKey = (await tools.getPublicKey('DKIM', name, 1, ctx.dns.forMailauth())).publicKey
  } catch (err) {
    const code = (err as { code?: string }).code
    const why =
      code === 'EINVALIDVER'
        ? 'its v= tag is not DKIM1'
        : code === 'EINVALIDTYPE'
          ? `its key is not of a type receivers know (k=${tags.k?.value ?? 'rsa'} with a key that is not one)`
          : code === 'EINVALIDVAL'
            ? 'its p= value is not a base64 key'
            : (err as Error).message
    return { status: 'fail', detail: `The key at ${name} cannot be used (${why}), so mail signed with this selector fails DKIM: publish the key exactly as your provider gives it.` }
  }
  const key = createPublicKey(publicKey)
  const testing = (tags.t?.value ?? '').split(':').some((f) => f.trim().toLowerCase() === 'y')
  const testNote = testing ? ' in testing mode (t=y), so receivers may treat failures as unsigned mail: remove t=y once signing works' : ''
  if (key.asymmetricKeyType === 'ed25519')
    return { status: testing ? 'warn' : 'pass', summary: 'Ed25519', detail: `Ed25519 key${testNote || ' (RFC 8463; not every receiver verifies these: sign with an RSA key as well)'}.` }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < 1024) return { status: 'fail', detail: `RSA ${bits}-bit key: receivers ignore keys under 1024 bits (RFC 8301), so mail signed with it fails DKIM; generate a 2048-bit key.` }
  if (bits < 2048)
    return {
      status: 'warn',
      summary: `RSA ${bits}-bit`,
      detail: `RSA ${bits}-bit key${testNote ? `${testNote}; and` : ':'} weak by today's standard (Gmail and Yahoo ask for 2048 bits); generate a 2048-bit key and publish it under a new selector.`,
    }
  return { status: testing ? 'warn' : 'pass', summary: `RSA ${bits}-bit`, detail: `RSA ${bits}-bit key${testNote}.` }
}

/** Whether the CNAME points where the provider documents it (only for providers whose DKIM records are CNAMEs). */
function cnameVerdict(p: ProviderFacts, selector: string, domain: string, target: string | null): KeyReading | null {
  if (p.dkim.kind !== 'cname' || !p.dkim.target) return null
  const pattern = p.dkim.target(selector, domain)
  if (!target)
    return { status: 'warn', detail: `it is a TXT record rather than the CNAME ${p.label} documents, so it will not follow ${p.label}'s key rotation: publish the CNAME ${p.label} gives you` }
  if (pattern.test(target.replace(/\.$/, ''))) return { status: 'pass', detail: `points to ${target} as ${p.label} documents` }
  return { status: 'warn', detail: `it points to ${target}, not where ${p.label} documents its keys (${p.docs}): publish the CNAME ${p.label} gives you` }
}

interface Chain {
  hops: { name: string; target: string }[]
  loop: boolean
  tooLong: boolean
  /** The name does not exist at all (no CNAME and nothing else): no need to ask for its TXT. */
  missing: boolean
  failure: string | null
}

/** The CNAMEs from `name` on, each hop asked separately so the chain can be shown and a loop named. */
async function followCnames(dns: DomainDns, name: string): Promise<Chain> {
  const hops: Chain['hops'] = []
  const seen = new Set([name.toLowerCase()])
  let at = name
  for (;;) {
    const answer = await dns.cname(at)
    if (!answer.ok) {
      if (isDnsFailure(answer)) return { hops, loop: false, tooLong: false, missing: false, failure: trouble(answer) }
      return { hops, loop: false, tooLong: false, missing: answer.reason === 'nxdomain' && !hops.length, failure: null }
    }
    const target = answer.records[0]!.replace(/\.$/, '').toLowerCase()
    hops.push({ name: at, target })
    if (seen.has(target)) return { hops, loop: true, tooLong: false, missing: false, failure: null }
    if (hops.length >= MAX_HOPS) return { hops, loop: false, tooLong: true, missing: false, failure: null }
    seen.add(target)
    at = target
  }
}
