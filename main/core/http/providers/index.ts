import type { ApiProvider } from '../../../../preload/contract'
import type { ProviderModule } from '../types'
import { brevo } from './brevo'
import { generic } from './generic'
import { mailgun } from './mailgun'
import { mailjet } from './mailjet'
import { postmark } from './postmark'
import { resend } from './resend'
import { sendgrid } from './sendgrid'
import { ses } from './ses'
import { sparkpost } from './sparkpost'

export const PROVIDERS: Record<ApiProvider, ProviderModule> = { mailgun, sendgrid, postmark, ses, resend, mailjet, sparkpost, brevo, generic }
