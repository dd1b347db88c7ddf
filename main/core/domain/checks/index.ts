// Every domain-readiness check, in DOMAIN_CHECK_IDS order (the order results show; a check may
// await only the checks before it, through ctx.result).
import type { DomainCheckDefinition } from '../context'
import { alignmentCheck } from './alignment'
import { bimiCheck } from './bimi'
import { bulkSenderCheck } from './bulk-sender'
import { daneCheck } from './dane'
import { dkimCheck } from './dkim'
import { dmarcCheck } from './dmarc'
import { mtaStsCheck } from './mta-sts'
import { mxCheck } from './mx'
import { ptrCheck } from './ptr'
import { spfCheck } from './spf'
import { tlsRptCheck } from './tls-rpt'

export const DOMAIN_CHECKS: readonly DomainCheckDefinition[] = [mxCheck, ptrCheck, spfCheck, dkimCheck, dmarcCheck, alignmentCheck, mtaStsCheck, tlsRptCheck, daneCheck, bimiCheck, bulkSenderCheck]
