/**
 * The sandbox's certificates: its own CA and a leaf for localhost / 127.0.0.1 signed by it.
 *
 * Made on first start and kept in a directory (ca.pem, ca-key.pem, server.pem, server-key.pem,
 * keys 0600), so profiles that trust the CA file keep working across restarts. On a later start
 * they are reused when they still check out: readable, the leaf issued by the CA and matching its
 * key, and neither expiring within RENEW_BEFORE. A leaf about to expire is re-issued by the same
 * CA (trust stays valid); an unreadable or expiring CA means a new CA and a new leaf.
 * Without a directory they live in memory only (and `caFile` is null).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generate } from 'selfsigned'
import { writeFileAtomic } from '../storage/atomic'

export interface KeyAndCert {
  /** PEM private key */
  key: string
  /** PEM certificate */
  cert: string
}

export interface SandboxCerts {
  ca: KeyAndCert
  leaf: KeyAndCert
  /** The CA certificate's file (what profiles trust), null when kept in memory. */
  caFile: string | null
  /** What happened: reused from disk, or made now (and why). */
  origin: 'reused' | 'created' | 'renewed-leaf' | 'regenerated'
  /** Why the files on disk were not reused as they were (null when reused or first made). */
  reason: string | null
}

export const CERT_FILES = { ca: 'ca.pem', caKey: 'ca-key.pem', leaf: 'server.pem', leafKey: 'server-key.pem' } as const

const DAY = 24 * 60 * 60 * 1000
const CA_DAYS = 5 * 365
const LEAF_DAYS = 2 * 365
/** Renew whatever expires within this. */
const RENEW_BEFORE = 30 * DAY

type GenerateOptions = NonNullable<Parameters<typeof generate>[1]>
const EC: GenerateOptions = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' }

async function makeCa(now: number): Promise<KeyAndCert> {
  const ca = await generate(
    [
      { name: 'commonName', value: 'Mailprobe Sandbox CA' },
      { name: 'organizationName', value: 'Mailprobe sandbox (local only)' },
    ],
    {
      ...EC,
      notBeforeDate: new Date(now - DAY),
      notAfterDate: new Date(now + CA_DAYS * DAY),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    },
  )
  return { key: ca.private, cert: ca.cert }
}

async function makeLeaf(ca: KeyAndCert, now: number): Promise<KeyAndCert> {
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...EC,
    ca: { key: ca.key, cert: ca.cert },
    notBeforeDate: new Date(now - DAY),
    notAfterDate: new Date(now + LEAF_DAYS * DAY),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  })
  return { key: leaf.private, cert: leaf.cert }
}

/** Null when the pair is usable until well after now, else why not. */
function problemWith(pair: KeyAndCert, now: number, issuer?: X509Certificate): string | null {
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(pair.cert)
    if (!x509.checkPrivateKey(createPrivateKey(pair.key))) return 'its key does not match the certificate'
  } catch (err) {
    return `it cannot be read (${err instanceof Error ? err.message : String(err)})`
  }
  if (Date.parse(x509.validTo) - RENEW_BEFORE < now) return `it expires ${x509.validTo}`
  if (Date.parse(x509.validFrom) > now) return `it is not valid before ${x509.validFrom}`
  if (issuer && !(x509.checkIssued(issuer) && x509.verify(issuer.publicKey))) return 'it was not issued by the sandbox CA'
  if (issuer && !x509.checkHost('localhost')) return 'it is not for localhost'
  return null
}

async function readPair(dir: string, certName: string, keyName: string): Promise<KeyAndCert | null> {
  try {
    const [cert, key] = await Promise.all([readFile(join(dir, certName), 'utf8'), readFile(join(dir, keyName), 'utf8')])
    return { cert, key }
  } catch {
    return null
  }
}

/**
 * The sandbox certificates from `dir` (made and saved there when missing or unusable), or made
 * in memory when `dir` is null. `now` is for tests.
 */
export async function loadOrCreateCerts(dir: string | null, now = Date.now()): Promise<SandboxCerts> {
  if (!dir) {
    const ca = await makeCa(now)
    return { ca, leaf: await makeLeaf(ca, now), caFile: null, origin: 'created', reason: null }
  }
  const caFile = join(dir, CERT_FILES.ca)
  let ca = await readPair(dir, CERT_FILES.ca, CERT_FILES.caKey)
  let leaf = await readPair(dir, CERT_FILES.leaf, CERT_FILES.leafKey)
  const firstStart = ca === null && leaf === null
  const caProblem = ca ? problemWith(ca, now) : 'its files are missing'
  if (!ca || caProblem) {
    ca = await makeCa(now)
    leaf = await makeLeaf(ca, now)
    await save(dir, ca, leaf)
    return { ca, leaf, caFile, origin: firstStart ? 'created' : 'regenerated', reason: firstStart ? null : `the sandbox CA was replaced: ${caProblem}` }
  }
  const issuer = new X509Certificate(ca.cert)
  const leafProblem = leaf ? problemWith(leaf, now, issuer) : 'its files are missing'
  if (!leaf || leafProblem) {
    leaf = await makeLeaf(ca, now)
    await save(dir, null, leaf)
    return { ca, leaf, caFile, origin: 'renewed-leaf', reason: `the sandbox server certificate was re-issued: ${leafProblem}` }
  }
  return { ca, leaf, caFile, origin: 'reused', reason: null }
}

async function save(dir: string, ca: KeyAndCert | null, leaf: KeyAndCert): Promise<void> {
  // Keys first: a crash in between leaves certificates whose keys do not match, which the next start detects and replaces.
  if (ca) {
    await writeFileAtomic(join(dir, CERT_FILES.caKey), ca.key)
    await writeFileAtomic(join(dir, CERT_FILES.ca), ca.cert)
  }
  await writeFileAtomic(join(dir, CERT_FILES.leafKey), leaf.key)
  await writeFileAtomic(join(dir, CERT_FILES.leaf), leaf.cert)
}
