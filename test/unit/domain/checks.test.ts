// The mx, ptr, spf, dkim and dmarc checks, each run alone by the engine against broken zones on the
// loopback DNS server (and, for the MX probe, local SMTP peers): each asserts its status and the
// sentence a person acts on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DomainCheck, DomainJobInput, DomainResult } from '../../../preload/contract'
import { runDomain } from '../../../main/core/domain'
import { dkimCheck } from '../../../main/core/domain/checks/dkim'
import { dmarcCheck } from '../../../main/core/domain/checks/dmarc'
import { mxCheck } from '../../../main/core/domain/checks/mx'
import { ptrCheck } from '../../../main/core/domain/checks/ptr'
import { spfCheck } from '../../../main/core/domain/checks/spf'
import type { DomainCheckDefinition } from '../../../main/core/domain/context'
import { getTestCerts } from '../../fixtures/certs'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'
import { dkimPublicKey, healthyZone } from '../../fixtures/domain-zones'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'

let dns: DnsServer
let k2048 = ''

beforeAll(async () => {
  k2048 = dkimPublicKey(2048)
  const [k1024, k512, ed] = [dkimPublicKey(1024), dkimPublicKey(512), dkimPublicKey('ed25519')]
  const includes = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`i${i + 1}.lookups.test`, { TXT: ['v=spf1 -all'] }]))
  dns = await startDnsServer({
    ...healthyZone('healthy.test', { dkimKey: k2048 }),
    // SPF
    'two-spf.test': { TXT: ['v=spf1 -all', 'v=spf1 ip4:192.0.2.1 -all'] },
    'lookups.test': { TXT: [`v=spf1 ${Array.from({ length: 11 }, (_, i) => `include:i${i + 1}.lookups.test`).join(' ')} -all`] },
    ...includes,
    'plusall.test': { TXT: ['v=spf1 +all'] },
    'neutral.test': { TXT: ['v=spf1 ip4:192.0.2.10 ?all'] },
    'noall.test': { TXT: ['v=spf1 ip4:192.0.2.10'] },
    'voids.test': { TXT: ['v=spf1 a:nx1.voids.test a:nx2.voids.test a:nx3.voids.test -all'] },
    'slow.test': { behaviour: 'timeout' },
    'm365.test': { TXT: ['v=spf1 ip4:192.0.2.10 -all'] },
    'relay.test': { TXT: ['v=spf1 a:smtp.relay.test -all'] },
    'smtp.relay.test': { A: ['192.0.2.30'] },
    // DKIM
    'keys.test': { TXT: ['v=spf1 -all'] },
    'k1024._domainkey.keys.test': { TXT: [`v=DKIM1; k=rsa; p=${k1024}`] },
    'k512._domainkey.keys.test': { TXT: [`v=DKIM1; k=rsa; p=${k512}`] },
    'ed._domainkey.keys.test': { TXT: [`v=DKIM1; k=ed25519; p=${ed}`] },
    'testing._domainkey.keys.test': { TXT: [`v=DKIM1; k=rsa; t=y; p=${k2048}`] },
    'revoked._domainkey.keys.test': { TXT: ['v=DKIM1; k=rsa; p='] },
    'split._domainkey.keys.test': { TXT: [['v=DKIM1; k=rsa; ', `p=${k2048.slice(0, 200)}`, k2048.slice(200)]] },
    'loop._domainkey.keys.test': { CNAME: 'loop2.keys.test' },
    'loop2.keys.test': { CNAME: 'loop._domainkey.keys.test' },
    's1._domainkey.sg.test': { CNAME: 's1.domainkey.u123.wl45.sendgrid.net' },
    's1.domainkey.u123.wl45.sendgrid.net': { TXT: [`k=rsa; p=${k2048}`] },
    's2._domainkey.sg.test': { CNAME: 'keys.elsewhere.test' },
    'keys.elsewhere.test': { TXT: [`k=rsa; p=${k2048}`] },
    // DMARC
    '_dmarc.badtag.test': { TXT: ['v=DMARC1; p=reject; pt=50; adkim=x'] },
    '_dmarc.monitor.test': { TXT: ['v=DMARC1; p=none'] },
    '_dmarc.org.test': { TXT: ['v=DMARC1; p=reject; sp=quarantine'] },
    'sub.org.test': { A: ['192.0.2.5'] },
    '_dmarc.rua.test': { TXT: ['v=DMARC1; p=reject; rua=mailto:r@reports.example,mailto:me@rua.test'] },
    '_dmarc.authorised.test': { TXT: ['v=DMARC1; p=quarantine; rua=mailto:r@reports.example'] },
    'authorised.test._report._dmarc.reports.example': { TXT: ['v=DMARC1'] },
    '_dmarc.servfail.test': { behaviour: 'servfail' },
    '_dmarc.two-dmarc.test': { TXT: ['v=DMARC1; p=none', 'v=DMARC1; p=reject'] },
    // MX and PTR
    'nomx.test': { A: ['192.0.2.5'] },
    'nullmx.test': { MX: [{ priority: 0, exchange: '.' }] },
    'lost.test': { MX: [{ priority: 10, exchange: 'gone.lost.test' }] },
    'wrongname.test': { MX: [{ priority: 10, exchange: 'mx.wrongname.test' }] },
    'mx.wrongname.test': { A: ['127.0.0.1'] },
    'ptrs.test': { TXT: ['v=spf1 -all'] },
    '20.2.0.192.in-addr.arpa': { PTR: ['host.ptrs.test'] },
    'host.ptrs.test': { A: ['192.0.2.99'] },
    '22.2.0.192.in-addr.arpa': { behaviour: 'servfail' },
  })
})

afterAll(async () => {
  await dns?.close()
})

/** One check run by the engine, as the app and the CLI run it (DNS: the test server only). */
async function check(def: DomainCheckDefinition, job: Omit<DomainJobInput, 'dnsServers'>): Promise<DomainCheck & { publish: DomainResult['publish'] }> {
  const result = await runDomain({ probeMx: false, timeoutMs: 2000, ...job, dnsServers: [dns.server] }, {}, [def])
  expect(result.error).toBeNull()
  return { ...result.checks[0]!, publish: result.publish }
}

describe('spf', () => {
  it('passes a record that ends in -all and covers the sending address', async () => {
    const c = await check(spfCheck, { domain: 'healthy.test', sendingIps: ['127.0.0.1'] })
    expect(c.status).toBe('pass')
    expect(c.detail).toBe('The SPF record ends in -all and uses 0 of 10 DNS lookups, and passes for the sending address.')
    expect(c.records).toEqual([{ type: 'TXT', name: 'healthy.test', value: 'v=spf1 ip4:127.0.0.1 -all' }])
  })

  it('fails two SPF records', async () => {
    const c = await check(spfCheck, { domain: 'two-spf.test' })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('two-spf.test has 2 SPF records, which receivers treat as a permanent error (permerror) for every message: merge them into one TXT record.')
    expect(c.records).toHaveLength(2)
  })

  it('fails a record that needs 11 DNS lookups, and asks no more than the limit allows', async () => {
    const c = await check(spfCheck, { domain: 'lookups.test' })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe(
      'The SPF record needs more than 10 DNS lookups (RFC 7208 §4.6.4), so receivers return permerror and SPF fails for all mail: remove includes you no longer use, or replace some with ip4:/ip6: ranges.',
    )
    expect(c.queries).toBe(11) // the record, then ten includes; the eleventh is never asked
    expect(dns.asked).not.toContain('i11.lookups.test TXT')
  })

  it('fails +all', async () => {
    const c = await check(spfCheck, { domain: 'plusall.test' })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('The SPF record ends in +all, which lets every server on the internet send as this domain: replace it with ~all or -all.')
  })

  it('warns about ?all', async () => {
    const c = await check(spfCheck, { domain: 'neutral.test' })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe('The SPF record ends in ?all, so servers it does not list get a neutral result, which protects nothing: end it with ~all or -all.')
  })

  it('fails a sending address the record does not cover, and writes out the record to publish', async () => {
    const c = await check(spfCheck, { domain: 'noall.test', sendingIps: ['192.0.2.7'] })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('SPF gives neutral, not pass, for 192.0.2.7 (sending IP): add ip4:192.0.2.7 to the record.')
    expect(c.items).toContainEqual({ label: 'unlisted servers', status: 'warn', detail: 'neutral (no all mechanism)' })
    expect(c.publish).toEqual([{ type: 'TXT', name: 'noall.test', value: 'v=spf1 ip4:192.0.2.10 ip4:192.0.2.7 ~all' }])
  })

  it("evaluates a relay's addresses", async () => {
    const c = await check(spfCheck, { domain: 'relay.test', relay: 'smtp.relay.test' })
    expect(c.status).toBe('pass')
    expect(c.items).toContainEqual({ label: '192.0.2.30 (relay smtp.relay.test)', status: 'pass', detail: 'SPF passes' })
  })

  it('warns about more than two void lookups', async () => {
    const c = await check(spfCheck, { domain: 'voids.test' })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe(
      "Evaluating the SPF record meets 3 names that do not exist or have no record (void lookups); receivers that enforce RFC 7208's limit of 2 return permerror: remove the mechanisms that point nowhere.",
    )
  })

  it("fails a record without the provider's include when the provider sends with the domain as Return-Path", async () => {
    const c = await check(spfCheck, { domain: 'm365.test', provider: 'microsoft365' })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe(
      "The SPF record does not include Microsoft 365's servers, and Microsoft 365 sends with m365.test as its Return-Path: add include:spf.protection.outlook.com before the all mechanism.",
    )
    expect(c.publish).toEqual([{ type: 'TXT', name: 'm365.test', value: 'v=spf1 ip4:192.0.2.10 include:spf.protection.outlook.com -all' }])
  })

  it('fails a missing record and writes one out when its value is known', async () => {
    const c = await check(spfCheck, { domain: 'nomx.test', provider: 'google-workspace', sendingIps: ['192.0.2.7'] })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('nomx.test has no SPF record, so receivers cannot tell which servers may send as it: publish TXT nomx.test "v=spf1 include:_spf.google.com ip4:192.0.2.7 ~all".')
    expect(c.publish).toEqual([{ type: 'TXT', name: 'nomx.test', value: 'v=spf1 include:_spf.google.com ip4:192.0.2.7 ~all' }])
  })

  it('fails when the name does not answer within the timeout', async () => {
    const c = await check(spfCheck, { domain: 'slow.test', timeoutMs: 300 })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe(
      "Could not read the SPF record of slow.test (no answer for TXT slow.test within 300 ms): receivers that cannot either give a temporary error; check the domain's name servers.",
    )
  })
})

describe('dkim', () => {
  it('passes a 2048-bit RSA key', async () => {
    const c = await check(dkimCheck, { domain: 'healthy.test', dkimSelectors: ['s1'] })
    expect(c.status).toBe('pass')
    expect(c.title).toBe('DKIM (selector s1)')
    expect(c.detail).toBe('DKIM key published for s1 (RSA 2048-bit).')
  })

  it('warns about a 1024-bit key', async () => {
    const c = await check(dkimCheck, { domain: 'keys.test', dkimSelectors: ['k1024'] })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe("RSA 1024-bit key: weak by today's standard (Gmail and Yahoo ask for 2048 bits); generate a 2048-bit key and publish it under a new selector.")
  })

  it('fails a key under 1024 bits', async () => {
    const c = await check(dkimCheck, { domain: 'keys.test', dkimSelectors: ['k512'] })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('RSA 512-bit key: receivers ignore keys under 1024 bits (RFC 8301), so mail signed with it fails DKIM; generate a 2048-bit key.')
  })

  it('reads an Ed25519 key', async () => {
    const c = await check(dkimCheck, { domain: 'keys.test', dkimSelectors: ['ed'] })
    expect(c.status).toBe('pass')
    expect(c.detail).toBe('DKIM key published for ed (Ed25519).')
  })

  it('warns about testing mode (t=y)', async () => {
    const c = await check(dkimCheck, { domain: 'keys.test', dkimSelectors: ['testing'] })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe('RSA 2048-bit key in testing mode (t=y), so receivers may treat failures as unsigned mail: remove t=y once signing works.')
  })

  it('fails a revoked key (empty p=)', async () => {
    const c = await check(dkimCheck, { domain: 'keys.test', dkimSelectors: ['revoked'] })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('The key at revoked._domainkey.keys.test is revoked (empty p=), so mail signed with this selector fails DKIM: publish the current key, or stop signing with this selector.')
  })

  it('joins a key split into several strings', async () => {
    const c = await check(dkimCheck, { domain: 'keys.test', dkimSelectors: ['split'] })
    expect(c.status).toBe('pass')
    expect(c.detail).toBe('DKIM key published for split (RSA 2048-bit).')
    expect(c.records).toEqual([{ type: 'TXT', name: 'split._domainkey.keys.test', value: `v=DKIM1; k=rsa; p=${k2048}` }])
  })

  it('fails a CNAME loop and names the chain', async () => {
    const c = await check(dkimCheck, { domain: 'keys.test', dkimSelectors: ['loop'] })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe(
      'loop._domainkey.keys.test is a CNAME chain that loops (loop._domainkey.keys.test → loop2.keys.test → loop._domainkey.keys.test): point it at the key your provider gives you.',
    )
    expect(c.records.map((r) => r.type)).toEqual(['CNAME', 'CNAME'])
  })

  it('fails a selector that was named and has no key', async () => {
    const c = await check(dkimCheck, { domain: 'keys.test', dkimSelectors: ['missing'] })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('No DKIM key at missing._domainkey.keys.test: publish the key your provider or mail server gives you (TXT "v=DKIM1; k=rsa; p=…").')
  })

  it("follows a provider's CNAMEs and says which one does not point where the provider documents", async () => {
    const c = await check(dkimCheck, { domain: 'sg.test', provider: 'sendgrid' })
    expect(c.status).toBe('warn')
    expect(c.title).toBe('DKIM (selectors s1, s2)')
    expect(c.detail).toMatch(/^s2: RSA 2048-bit key, but it points to keys\.elsewhere\.test, not where SendGrid documents its keys \(https:\/\/.+\): publish the CNAME SendGrid gives you\.$/)
    expect(c.items[0]).toEqual({ label: 's1', status: 'pass', detail: 'RSA 2048-bit key, through a CNAME that points to s1.domainkey.u123.wl45.sendgrid.net as SendGrid documents.' })
    expect(c.records).toContainEqual({ type: 'CNAME', name: 's1._domainkey.sg.test', value: 's1.domainkey.u123.wl45.sendgrid.net' })
  })

  it("fails when none of the provider's selectors has a key", async () => {
    const c = await check(dkimCheck, { domain: 'sg.test', provider: 'microsoft365' })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('No DKIM key at selector1._domainkey.sg.test or selector2._domainkey.sg.test, so mail from sg.test cannot pass DKIM: publish the CNAMEs Microsoft 365 gives you.')
    expect(c.items.map((i) => i.status)).toEqual(['info', 'info'])
  })

  it('says what to give when there is no selector to check', async () => {
    const c = await check(dkimCheck, { domain: 'sg.test' })
    expect(c.status).toBe('info')
    expect(c.queries).toBe(0)
    expect(c.detail).toBe('DKIM keys live under a name only the signer knows (SELECTOR._domainkey.sg.test): give the selector your provider or mail server signs with to check its key.')
  })
})

describe('dmarc', () => {
  it('passes p=reject', async () => {
    const c = await check(dmarcCheck, { domain: 'healthy.test' })
    expect(c.status).toBe('pass')
    expect(c.detail).toBe('DMARC policy p=reject: receivers reject mail that fails DMARC.')
  })

  it('warns about a bad tag and a value receivers ignore', async () => {
    const c = await check(dmarcCheck, { domain: 'badtag.test' })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe(
      "The DMARC record at _dmarc.badtag.test has an unknown tag (pt) and a value out of range (adkim=x), which receivers ignore: correct the record (RFC 7489's tags are v, p, sp, pct, adkim, aspf, rua, ruf, fo, rf, ri).",
    )
  })

  it('warns about p=none', async () => {
    const c = await check(dmarcCheck, { domain: 'monitor.test' })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe('DMARC is monitoring only (p=none): receivers deliver mail that fails DMARC as usual; once reports show your mail passes, move to p=quarantine, then p=reject.')
  })

  it("inherits the organisational domain's record and says that its sp= applies", async () => {
    const c = await check(dmarcCheck, { domain: 'sub.org.test' })
    expect(c.status).toBe('pass')
    expect(c.detail).toBe('DMARC policy sp=quarantine (inherited from org.test, whose sp= applies to sub.org.test): receivers quarantine mail that fails DMARC.')
    expect(c.records).toEqual([{ type: 'TXT', name: '_dmarc.org.test', value: 'v=DMARC1; p=reject; sp=quarantine' }])
    expect(dns.asked).toEqual(expect.arrayContaining(['_dmarc.sub.org.test TXT', '_dmarc.org.test TXT']))
  })

  it('fails a missing record and writes out one to start with', async () => {
    const c = await check(dmarcCheck, { domain: 'nomx.test' })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe(
      'nomx.test has no DMARC record, which Gmail, Yahoo and Microsoft require of bulk senders: publish TXT _dmarc.nomx.test "v=DMARC1; p=none" to begin, then tighten the policy once reports show your mail passes.',
    )
    expect(c.publish).toEqual([{ type: 'TXT', name: '_dmarc.nomx.test', value: 'v=DMARC1; p=none' }])
  })

  it('fails two DMARC records', async () => {
    const c = await check(dmarcCheck, { domain: 'two-dmarc.test' })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('_dmarc.two-dmarc.test has 2 DMARC records, so receivers ignore them all (RFC 7489 §6.6.3): keep one.')
  })

  it('fails when the resolver answers SERVFAIL', async () => {
    const c = await check(dmarcCheck, { domain: 'servfail.test' })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe(
      "Could not read the DMARC record at _dmarc.servfail.test (the resolver failed (SERVFAIL) for TXT _dmarc.servfail.test): receivers that cannot either apply no policy; check the domain's name servers.",
    )
  })

  it('warns about reports to another domain that has not authorised them, and passes one that has', async () => {
    const c = await check(dmarcCheck, { domain: 'rua.test' })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe(
      `reports.example has not authorised reports for rua.test (no TXT rua.test._report._dmarc.reports.example "v=DMARC1"), so receivers send the rua reports nowhere: ask reports.example's owner to publish it, or report to an address at rua.test.`,
    )
    expect(c.items).toContainEqual({ label: 'rua me@rua.test', status: 'pass', detail: "reports go to rua.test, within rua.test's own organisation" })
    const ok = await check(dmarcCheck, { domain: 'authorised.test' })
    expect(ok.status).toBe('pass')
    expect(ok.records).toContainEqual({ type: 'TXT', name: 'authorised.test._report._dmarc.reports.example', value: 'v=DMARC1' })
  })
})

describe('mx', () => {
  let starttls: SmtpPeer
  let plain: SmtpPeer
  let caPem = ''

  beforeAll(async () => {
    caPem = (await getTestCerts()).ca.cert
    ;[starttls, plain] = await Promise.all([startSmtpPeer({ mode: 'starttls' }), startSmtpPeer({ mode: 'plain' })])
  })

  afterAll(async () => {
    await Promise.all([starttls?.close(), plain?.close()])
  })

  it('probes each MX address: STARTTLS with a certificate valid for the MX name passes', async () => {
    const c = await check(mxCheck, { domain: 'healthy.test', probeMx: true, mxPort: starttls.port, tls: { caPem } })
    expect(c.status).toBe('pass')
    expect(c.detail).toBe(`healthy.test receives mail at localhost; every address answers on port ${starttls.port} with STARTTLS and a certificate valid for its MX name.`)
    expect(c.items).toEqual([
      { label: '10 localhost', status: 'pass', detail: 'addresses 127.0.0.1' },
      { label: `localhost (127.0.0.1) port ${starttls.port}`, status: 'pass', detail: 'STARTTLS with a certificate valid for localhost (TLSv1.3); its banner names mx.mailprobe.test' },
    ])
    expect(c.records).toEqual([
      { type: 'MX', name: 'healthy.test', value: '10 localhost' },
      { type: 'A', name: 'localhost', value: '127.0.0.1' },
    ])
  })

  it('warns about a certificate that does not name the MX host', async () => {
    const c = await check(mxCheck, { domain: 'wrongname.test', probeMx: true, mxPort: starttls.port, tls: { caPem } })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe(
      `wrongname.test receives mail at mx.wrongname.test; mx.wrongname.test (127.0.0.1) port ${starttls.port}: its certificate is for localhost and 127.0.0.1, not mx.wrongname.test: senders that verify (MTA-STS) will refuse it; give mx.wrongname.test a certificate from a public CA that names it; its banner names mx.mailprobe.test.`,
    )
  })

  it('warns about an MX host that offers no STARTTLS', async () => {
    const c = await check(mxCheck, { domain: 'healthy.test', probeMx: true, mxPort: plain.port })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe(
      `healthy.test receives mail at localhost; localhost (127.0.0.1) port ${plain.port}: it offers no STARTTLS, so mail to it travels unencrypted: enable STARTTLS with a certificate for localhost; its banner names mx.mailprobe.test.`,
    )
  })

  it('fails a domain without MX, saying where its mail goes instead', async () => {
    const c = await check(mxCheck, { domain: 'nomx.test' })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe('nomx.test has no MX record, so mail to it goes to its own address (192.0.2.5): publish an MX record naming the host that receives its mail.')
  })

  it('says plainly what a null MX means', async () => {
    const c = await check(mxCheck, { domain: 'nullmx.test' })
    expect(c.status).toBe('warn')
    expect(c.detail).toBe('nullmx.test publishes a null MX (RFC 7505): it accepts no mail, and receivers may refuse mail from it because replies and bounces cannot reach it.')
  })

  it('fails when no MX host has an address, and a domain that does not exist', async () => {
    const lost = await check(mxCheck, { domain: 'lost.test' })
    expect(lost.status).toBe('fail')
    expect(lost.detail).toBe('No MX host of lost.test has an address (gone.lost.test): mail to it cannot be delivered; give each an A or AAAA record.')
    const nx = await check(mxCheck, { domain: 'nothere.test' })
    expect(nx.status).toBe('fail')
    expect(nx.detail).toBe('nothere.test does not exist in DNS: check the spelling, or that the domain is registered and its name servers answer for it.')
  })
})

describe('ptr', () => {
  it('passes an address whose PTR name resolves back to it', async () => {
    const c = await check(ptrCheck, { domain: 'healthy.test', sendingIps: ['127.0.0.1'] })
    expect(c.status).toBe('pass')
    expect(c.detail).toBe('127.0.0.1 (sending IP) has a PTR name localhost that resolves back to it (forward-confirmed reverse DNS).')
    expect(c.records).toEqual([{ type: 'PTR', name: '1.0.0.127.in-addr.arpa', value: 'localhost' }])
  })

  it('fails sending addresses without reverse DNS or whose PTR does not confirm, and warns when it cannot be looked up', async () => {
    const c = await check(ptrCheck, { domain: 'ptrs.test', sendingIps: ['192.0.2.20', '192.0.2.21', '192.0.2.22'] })
    expect(c.status).toBe('fail')
    expect(c.detail).toBe(
      '192.0.2.20 has the PTR name host.ptrs.test, but it does not resolve back to it: receivers require forward-confirmed reverse DNS; give host.ptrs.test an A record for 192.0.2.20, or change the PTR.',
    )
    expect(c.items).toContainEqual({
      label: '192.0.2.21 (sending IP)',
      status: 'fail',
      detail:
        '192.0.2.21 has no PTR record: Gmail, Yahoo and Microsoft refuse or junk mail from addresses without reverse DNS; ask whoever runs 192.0.2.21 to set a PTR name that resolves back to it.',
    })
    expect(c.items.find((i) => i.label.startsWith('192.0.2.22'))?.status).toBe('warn')
  })

  it('has nothing to check for a provider without sending IPs', async () => {
    const c = await check(ptrCheck, { domain: 'ptrs.test', provider: 'sendgrid' })
    expect(c.status).toBe('info')
    expect(c.detail).toBe("No address to check: SendGrid's sending servers have their reverse DNS set by SendGrid; give your own sending IPs to check theirs.")
  })
})
