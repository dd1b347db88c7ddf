// Alignment for the chosen provider or relay: will its Return-Path (the SPF identity) and its DKIM
// signature's d= align with the From domain under the DMARC record's aspf / adkim, and which records
// are missing, written out ready to publish. DMARC passes when either one passes and aligns.
//
// It waits for the spf, dkim and dmarc checks (their verdicts say whether the records it finds
// actually work) and reads the records themselves through the run's cached DNS.
import type { DomainCheck, DomainRecord, DomainStatus } from '../../../../preload/contract'
import { hasInclude, withMechanisms } from '../spf-record'
import type { CheckFinding, DomainCheckDefinition, DomainContext } from '../context'
import { dashed, PROVIDERS, type ProviderFacts, type ReturnPath } from '../providers'
import { listed, mailauth, plural } from './common'
import { bare, orgDomain, taggedTxt } from './lookups'

const SPF = /^v=spf1(?:\s|$)/i
const DMARC = /^v=DMARC1(?:\s*;|\s*$)/i

/** What one identity (SPF's Return-Path, DKIM's d=) comes to. `aligned` null: cannot be told from DNS. */
interface Path {
  status: DomainStatus
  aligned: boolean | null
  detail: string
  /** Short imperative clauses the check's sentence joins ("publish send.example.com (below)"). */
  todo: string[]
  publish: DomainRecord[]
  records: DomainRecord[]
}

export const alignmentCheck: DomainCheckDefinition = {
  id: 'alignment',
  async run(ctx) {
    const [spf, dkim] = await Promise.all([ctx.result('spf'), ctx.result('dkim'), ctx.result('dmarc')])
    const domain = bare(ctx.job.domain)
    const facts = ctx.job.provider ? PROVIDERS[ctx.job.provider] : null
    const dmarc = await readDmarc(ctx, domain)

    if (!facts && !ctx.job.relay) {
      const todo = dmarc.missing ? `; ${domain} also needs a DMARC record (below)` : ''
      return {
        status: 'info',
        title: 'Alignment',
        detail: `Choose the provider or relay you send through to check that its Return-Path and DKIM signature align with ${domain}${todo}.`,
        records: dmarc.records,
        items: [dmarc.item],
      }
    }

    const subject = facts ? `${facts.label} mail` : `Mail through ${ctx.job.relay}`
    const spfPath = facts ? await providerSpf(ctx, domain, facts, spf, dmarc.aspf) : await relaySpf(ctx, domain, spf)
    const dkimPath = await dkimAlignment(ctx, domain, facts, dkim)
    const paths = { SPF: spfPath, DKIM: dkimPath }
    const via = (Object.keys(paths) as (keyof typeof paths)[]).filter((k) => paths[k].aligned === true)
    const todo = [...spfPath.todo, ...dkimPath.todo, ...(dmarc.missing ? [`publish _dmarc.${domain} (below)`] : [])]
    const publish = [...spfPath.publish, ...dkimPath.publish]
    const finding: Omit<CheckFinding, 'status' | 'detail'> = {
      title: facts ? `Alignment (${facts.label})` : `Alignment (relay ${ctx.job.relay})`,
      records: dedupe([...spfPath.records, ...dkimPath.records, ...dmarc.records]),
      items: [{ label: 'SPF (Return-Path)', status: spfPath.status, detail: spfPath.detail }, { label: 'DKIM (d=)', status: dkimPath.status, detail: dkimPath.detail }, dmarc.item],
      publish,
    }

    if (via.length) {
      const through = `${subject} aligns with ${domain} through ${listed(via)}`
      if (dmarc.missing) return { ...finding, status: 'warn', detail: `${through}, but ${domain} has no DMARC record: ${listed(todo)}.` }
      if (todo.length) return { ...finding, status: 'warn', detail: `${through}; to complete the set-up, ${listed(todo)}.` }
      return { ...finding, status: 'pass', detail: `${through}: DMARC will pass.` }
    }
    if (spfPath.aligned === false || dkimPath.aligned === false)
      return {
        ...finding,
        status: 'fail',
        detail: `${subject} would fail DMARC: neither its Return-Path nor its DKIM signature aligns with ${domain}${todo.length ? `; ${listed(todo)}` : ''}.`,
      }
    return { ...finding, status: 'info', detail: `Whether ${subject} aligns with ${domain} cannot be told from DNS alone${todo.length ? `: ${listed(todo)}` : ''}.` }
  },
}

/** The DMARC record that applies (mailauth's lookup: the domain's own, else its organisational domain's), its alignment modes, and whether there is none. */
async function readDmarc(ctx: DomainContext, domain: string) {
  const { getDmarcRecord } = await mailauth()
  const own = await taggedTxt(ctx, `_dmarc.${domain}`, DMARC)
  let found: Awaited<ReturnType<typeof getDmarcRecord>> = false
  let failure: string | null = own.failure?.message ?? null
  if (!failure)
    try {
      found = await getDmarcRecord(domain, ctx.dns.forMailauth())
    } catch (err) {
      failure = (err as Error).message
    }
  const records: DomainRecord[] = []
  let missing = false
  let item: DomainCheck['items'][number]
  const strict = (tag: unknown) => String(tag ?? 'r').toLowerCase() === 's'
  if (found) {
    const name = `_dmarc.${found.isOrgRecord ? await orgDomain(domain) : domain}`
    records.push({ type: 'TXT', name, value: found.rr })
    const inherited = found.isOrgRecord ? ' (inherited from the organisational domain)' : ''
    item = {
      label: 'DMARC',
      status: 'pass',
      detail: `${name}${inherited} sets DKIM alignment ${strict(found.adkim) ? 'strict (adkim=s)' : 'relaxed'} and SPF alignment ${strict(found.aspf) ? 'strict (aspf=s)' : 'relaxed'}.`,
    }
  } else if (failure) {
    item = { label: 'DMARC', status: 'warn', detail: `The DMARC record could not be read (${failure}); alignment is judged as relaxed.` }
  } else if (own.records.length) {
    for (const value of own.records) records.push({ type: 'TXT', name: `_dmarc.${domain}`, value })
    item = { label: 'DMARC', status: 'fail', detail: `_dmarc.${domain} has ${plural(own.records.length, 'DMARC record')} that receivers cannot use (see DMARC): fix it rather than add another.` }
  } else {
    // The dmarc check publishes the record to start with: one record to paste, not two.
    missing = true
    item = { label: 'DMARC', status: 'fail', detail: `${domain} has no DMARC record: receivers apply no policy and judge no alignment, and Gmail and Yahoo refuse bulk mail without one.` }
  }
  return {
    missing,
    aspf: found && strict(found.aspf) ? ('s' as const) : ('r' as const),
    item,
    records,
  }
}

/** SPF for a provider: where its Return-Path is, and whether that domain's SPF lets the provider send. */
async function providerSpf(ctx: DomainContext, domain: string, facts: ProviderFacts, spf: DomainCheck, aspf: 'r' | 's'): Promise<Path> {
  const mailFrom = facts.spf.mailFrom
  const include = facts.spf.include
  if (mailFrom === 'root') return rootSpf(ctx, domain, facts.label, include ?? '', spf)
  if (mailFrom.orRoot && include) {
    const root = await taggedTxt(ctx, domain, SPF)
    if (root.records.length === 1 && hasInclude(root.records[0]!, include)) return rootSpf(ctx, domain, facts.label, include, spf)
  }
  if (mailFrom.place === 'fixed') return subdomainSpf(ctx, domain, facts, mailFrom, aspf)
  const how = mailFrom.how.replace(/DOMAIN/g, domain)
  if (mailFrom.place === 'chosen')
    return {
      status: 'info',
      aligned: null,
      detail: `${facts.label}'s Return-Path is ${how}; its name cannot be found from DNS, so SPF alignment is not checked here.`,
      todo: [],
      publish: [],
      records: [],
    }
  return {
    status: 'info',
    aligned: false,
    detail: `${facts.label}'s Return-Path is ${how} (${mailFrom.subdomain}): SPF passes for ${facts.label} but cannot align with ${domain}, so DMARC rests on DKIM.`,
    todo: [],
    publish: [],
    records: [],
  }
}

/** The Return-Path is the From domain itself: its one SPF record must include the provider's. */
async function rootSpf(ctx: DomainContext, domain: string, label: string, include: string, spf: DomainCheck): Promise<Path> {
  const { records: found, failure } = await taggedTxt(ctx, domain, SPF)
  const records = found.map((value): DomainRecord => ({ type: 'TXT', name: domain, value }))
  const base = { records, publish: [] as DomainRecord[], todo: [] as string[] }
  if (failure) return { ...base, status: 'warn', aligned: null, detail: `${domain}'s SPF record could not be read: ${failure.message}.` }
  if (found.length > 1)
    return {
      ...base,
      status: 'fail',
      aligned: false,
      detail: `${domain} has ${found.length} SPF records, so SPF fails for every sender: merge them into one.`,
      todo: [`merge ${domain}'s SPF records into one`],
    }
  const record = found[0] ?? null
  if (record && hasInclude(record, include)) {
    if (spf.status === 'fail')
      return {
        ...base,
        status: 'fail',
        aligned: false,
        detail: `The Return-Path is ${domain}, whose SPF record includes ${include}, but SPF fails (see SPF).`,
        todo: [`fix ${domain}'s SPF record (see SPF)`],
      }
    return { ...base, status: 'pass', aligned: true, detail: `The Return-Path is ${domain} itself and its SPF record includes ${include}: SPF aligns.` }
  }
  // The spf check publishes the record with the include added (and the sending IPs it checked): one record to paste, not two.
  return {
    ...base,
    status: 'fail',
    aligned: false,
    detail: record
      ? `${domain}'s SPF record does not include ${include}, so ${label} fails SPF for ${domain}: add it (below).`
      : `${domain} has no SPF record, so ${label} fails SPF for ${domain}: publish one with include:${include} (below).`,
    todo: [record ? `add include:${include} to ${domain}'s SPF record (below)` : `publish ${domain}'s SPF record (below)`],
  }
}

/** The Return-Path is a subdomain the provider names: it must hold the CNAME or SPF record the provider gives. */
async function subdomainSpf(ctx: DomainContext, domain: string, facts: ProviderFacts, mailFrom: ReturnPath, aspf: 'r' | 's'): Promise<Path> {
  const name = `${mailFrom.subdomain}.${domain}`
  const records: DomainRecord[] = []
  let found = false
  let wrong: string | null = null
  let existingSpf: string | null = null
  if (mailFrom.expect?.cname) {
    const answer = await ctx.dns.cname(name)
    for (const target of answer.ok ? answer.records.map(bare) : []) {
      records.push({ type: 'CNAME', name, value: target })
      if (mailFrom.expect.cname.test(target)) found = true
      else wrong = target
    }
  }
  if (!found && mailFrom.expect?.spfInclude) {
    const { records: txt } = await taggedTxt(ctx, name, SPF)
    for (const value of txt) records.push({ type: 'TXT', name, value })
    existingSpf = txt.length === 1 ? txt[0]! : null
    found = existingSpf !== null && hasInclude(existingSpf, mailFrom.expect.spfInclude)
  }
  const how = mailFrom.how.replace(/DOMAIN/g, domain)
  if (found) {
    if (aspf === 's' || (await orgDomain(name)) !== (await orgDomain(domain)))
      return {
        status: 'info',
        aligned: false,
        detail: `The Return-Path ${name} is a subdomain, which does not align with ${domain} under the DMARC record's aspf=s (strict), so DMARC rests on DKIM.`,
        todo: [],
        publish: [],
        records,
      }
    return { status: 'pass', aligned: true, detail: `The Return-Path is ${name}, which aligns with ${domain} (relaxed): SPF aligns.`, todo: [], publish: [], records }
  }
  const include = mailFrom.expect?.spfInclude
  const publish: DomainRecord[] =
    existingSpf && include
      ? [{ type: 'TXT', name, value: withMechanisms(existingSpf, [`include:${include}`]) }]
      : (mailFrom.records ?? []).map((r) => ({ type: r.type, name: r.name ? `${r.name}.${domain}` : domain, value: r.value }))
  const why = wrong ? `${name} points to ${wrong}, not where ${facts.label} says` : `${name} is not set up`
  return {
    status: 'fail',
    aligned: false,
    detail: `${why}, so ${facts.label}'s Return-Path stays on its own domain and SPF cannot align; ${facts.label} expects ${how}.`,
    todo: [`publish ${name} (below)`],
    publish,
    records,
  }
}

/** A relay: the Return-Path is whatever MAIL FROM the sender gives it; when that is @DOMAIN, DOMAIN's SPF must cover the relay (the spf check evaluates it). */
async function relaySpf(ctx: DomainContext, domain: string, spf: DomainCheck): Promise<Path> {
  const { records: found } = await taggedTxt(ctx, domain, SPF)
  const records = found.map((value): DomainRecord => ({ type: 'TXT', name: domain, value }))
  const base = { records, publish: [] as DomainRecord[] }
  if (!found.length)
    return {
      ...base,
      status: 'fail',
      aligned: false,
      detail: `${domain} has no SPF record, so a Return-Path at ${domain} fails SPF: publish one that covers ${ctx.job.relay} (see SPF).`,
      todo: [`publish an SPF record for ${domain} that covers ${ctx.job.relay}`],
    }
  if (spf.status === 'pass')
    return { ...base, status: 'pass', aligned: true, detail: `With a Return-Path (MAIL FROM) at ${domain}, SPF aligns: ${domain}'s SPF record covers ${ctx.job.relay}.`, todo: [] }
  // The spf check evaluated the relay's addresses: warn still lets them pass, fail does not, info could not tell.
  const aligned = spf.status === 'warn' ? true : spf.status === 'fail' ? false : null
  return { ...base, status: spf.status, aligned, detail: `SPF for ${ctx.job.relay}: ${spf.detail}`, todo: spf.status === 'fail' ? [`fix ${domain}'s SPF record (see SPF)`] : [] }
}

/** DKIM: a key under the provider's selectors (and those named) at DOMAIN means it signs with d=DOMAIN, which aligns strict and relaxed. */
async function dkimAlignment(ctx: DomainContext, domain: string, facts: ProviderFacts | null, dkim: DomainCheck): Promise<Path> {
  const label = facts?.label ?? ctx.job.relay ?? 'the relay'
  const hint = facts ? facts.dkim.hint.replace(/DOMAIN-WITH-DASHES/g, dashed(domain)).replace(/DOMAIN/g, domain) : null
  const selectors = [...new Set([...(facts?.dkim.selectors ?? []), ...ctx.job.dkimSelectors])]
  const base = { publish: [] as DomainRecord[], records: [] as DomainRecord[], todo: [] as string[] }
  if (!selectors.length) {
    const where = hint ? ` (the name of ${hint})` : ''
    return {
      ...base,
      status: 'info',
      aligned: null,
      detail: `${label}'s DKIM selector differs per account: give it as a DKIM selector${where} to check DKIM alignment.`,
      todo: [`give ${label}'s DKIM selector`],
    }
  }
  const { parseTagValueRecord } = (await mailauth()).tools
  const keys = await Promise.all(
    selectors.map(async (selector) => {
      const name = `${selector}._domainkey.${domain}`
      const cname = facts?.dkim.kind === 'cname' ? await ctx.dns.cname(name) : null
      const txt = await ctx.dns.txt(name)
      const target = cname?.ok ? bare(cname.records[0]!) : null
      const value = txt.ok ? txt.records.find((r) => typeof parseTagValueRecord(r).tags.p === 'string') : undefined
      // The provider hosts the key behind its CNAME: pointing where it says is what the domain can do (the dkim check judges the key).
      const delegated = target !== null && (facts?.dkim.target?.(selector, domain).test(target) ?? false)
      const key = delegated || (value !== undefined && String(parseTagValueRecord(value).tags.p).trim() !== '')
      return { selector, name, target, value, key }
    }),
  )
  for (const k of keys) {
    if (k.target) base.records.push({ type: 'CNAME', name: k.name, value: k.target })
    if (k.value !== undefined) base.records.push({ type: 'TXT', name: k.name, value: k.value })
  }
  const found = keys.filter((k) => k.key)
  const missing = keys.filter((k) => !k.key)
  if (!found.length)
    return {
      ...base,
      status: 'fail',
      aligned: false,
      detail: `No DKIM key at ${listed(missing.map((k) => k.name))}, so ${label} cannot sign with d=${domain}${hint ? `: publish ${hint}` : ''}.`,
      todo: [hint ? `publish ${hint}` : `publish the DKIM key ${label} signs with`],
    }
  if (dkim.status === 'fail')
    return {
      ...base,
      status: 'fail',
      aligned: false,
      detail: `${label}'s DKIM key${found.length === 1 ? '' : 's'} at ${domain} fail the DKIM check (see DKIM), so signatures with d=${domain} will not verify.`,
      todo: ['fix the DKIM keys (see DKIM)'],
    }
  const signs = `${label} signs with d=${domain} (selector${found.length === 1 ? '' : 's'} ${listed(found.map((k) => k.selector))}), which aligns with ${domain}`
  if (!missing.length) return { ...base, status: 'pass', aligned: true, detail: `${signs}.` }
  // A missing sibling of a CNAME pair (Microsoft 365's selector1/2, SendGrid's s1/s2) points where its twin does, its own name swapped in.
  const twin = found.find((k) => k.target)
  const derived = twin && facts?.dkim.kind === 'cname' ? missing.map((m) => ({ m, value: siblingTarget(twin.selector, twin.target!, m.selector) })) : []
  const publish = derived.filter((d) => d.value && facts?.dkim.target?.(d.m.selector, domain).test(d.value)).map((d): DomainRecord => ({ type: 'CNAME', name: d.m.name, value: d.value! }))
  const names = listed(missing.map((k) => k.name))
  return {
    ...base,
    status: 'warn',
    aligned: true,
    detail: `${signs}; ${names} ${missing.length === 1 ? 'has' : 'have'} no key yet${publish.length === missing.length ? ' (the record to publish is below)' : `: publish ${missing.length === 1 ? 'it' : 'them'} as ${label} shows`}.`,
    todo: [`publish ${names}${publish.length === missing.length ? ' (below)' : ''}`],
    publish,
  }
}

/** `selector1-x-com._domainkey.t.onmicrosoft.com` for selector1 → the same for selector2 (Microsoft's -v1/-v2 partition suffix too). */
function siblingTarget(selector: string, target: string, sibling: string): string | null {
  if (!target.startsWith(selector)) return null
  const digit = (s: string) => /(\d+)$/.exec(s)?.[1]
  let value = sibling + target.slice(selector.length)
  const from = digit(selector)
  const to = digit(sibling)
  if (from && to) value = value.replace(new RegExp(`-v${from}\\.dkim\\.mail\\.microsoft$`), `-v${to}.dkim.mail.microsoft`)
  return value
}

function dedupe(records: DomainRecord[]): DomainRecord[] {
  const seen = new Set<string>()
  return records.filter((r) => {
    const key = `${r.type} ${r.name} ${r.value}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
