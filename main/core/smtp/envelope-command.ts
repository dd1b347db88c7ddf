import type SMTPConnection from 'nodemailer/lib/smtp-connection'

/**
 * nodemailer's internals used for the envelope test (MAIL/RCPT without DATA): SMTPConnection
 * has no public call for a single envelope command, but its command writer and reply queue
 * are the same ones send() uses, so the transcript, timeouts and reply parsing stay nodemailer's.
 */
interface ConnectionInternals {
  _sendCommand(command: string): void
  _responseActions: ((reply: string) => void)[]
}

/** Sends one command on an open session and hands its reply (the full text) to `cb`. */
export function sendEnvelopeCommand(conn: SMTPConnection, command: string, cb: (err: Error | null, reply?: string) => void): void {
  const internals = conn as unknown as ConnectionInternals
  if (typeof internals._sendCommand !== 'function' || !Array.isArray(internals._responseActions)) {
    cb(new Error('This nodemailer version no longer exposes its command queue; the envelope test needs an update.'))
    return
  }
  internals._responseActions.push((reply) => cb(null, reply))
  internals._sendCommand(command)
}
