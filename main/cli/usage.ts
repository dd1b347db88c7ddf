// Help texts and the version. Imported at start-up by every invocation, so it stays tiny: no
// runtime imports except package.json's version, which esbuild inlines into the bundle.
import { version } from '../../package.json'

export const VERSION: string = version

export type HelpTopic = 'main' | 'send' | 'verify'

// Pieces every command's help shares (the module commands import them too; this module stays import-free).

/** The network options of every command that connects. `fileNote` adds a line where a file may carry its own network section. */
export function networkHelp(fileNote?: string): string {
  return `Network:
  --proxy URL              connect through a proxy: socks5://[user@]host:port, socks5h://… (the proxy
                           resolves the server's name), socks4://…, or http://[user@]host:port (HTTP
                           CONNECT). A password in the URL is refused
  --proxy-password-env VAR read the proxy user's password from environment variable VAR (the user
                           name goes in the URL)
  --ipv4 | --ipv6          use only IPv4 or only IPv6 addresses (default: every address of the name in
                           turn, IPv6 and IPv4 interleaved)
  --local-address ADDR     connect from this address of this machine${fileNote ? `\n${fileNote}` : ''}`
}

/** -v and -q, as every command that runs a job takes them. */
export const VERBOSITY_HELP = `  -v, --verbose            also show the details: each address tried, the TLS handshake and the
                           certificate, a proxy's replies, and every info line
  -q, --quiet              print only the verdict line (OK … or FAILED …)`

/** --await-inbox and its options (send and api). */
export const INBOX_HELP = `Delivery proof (once the message is accepted, watch the mailbox until it arrives):
  --await-inbox URL        the mailbox to watch: imaps://USER@HOST[:PORT] (TLS from the first byte,
                           port 993 by default) or imap://USER@HOST[:PORT] (STARTTLS required, 143;
                           imap://USER@localhost?tls=none for plaintext, on this machine only). Write
                           an @ inside USER as %40: imaps://me%40example.com@imap.example.com.
                           A password in the URL is refused
  --inbox-password-env VAR read the mailbox password from environment variable VAR; or
  --inbox-oauth NAME       use the sign-in saved by "mailprobe oauth login --name NAME" (its access
                           token, renewed first when needed; its account when the URL names no USER)
  --inbox-timeout S        how long to wait for the message, in seconds (default 120)
  --inbox-folder NAME      watch this folder; repeat for more (default: INBOX and the folder the
                           server marks as Junk)
  --inbox-delete           delete the test message once it has been read
  --inbox-ca FILE          trust the CA certificate(s) in this PEM file for the mailbox's server
  --inbox-dns ADDR[:PORT]  the DNS server for Mailprobe's own DKIM/SPF/DMARC check (made when the
                           receiver adds no Authentication-Results); repeat for more (default: the
                           system's)
                           The summary says where the message landed (Inbox or Junk), how long it
                           took, its hops, and how SPF, DKIM and DMARC were judged; exit status 1
                           when it was not seen in time (DELIVERY_TIMEOUT)`

/** What Ctrl-C does during a run. */
export const INTERRUPT_HELP = 'Ctrl-C cancels the run (what happened so far is still printed) and exits 130; a second Ctrl-C quits at once.'

const MAIN = `mailprobe ${VERSION} — test mail submission with evidence: a live SMTP transcript, phase timings, round trips.

Usage:
  mailprobe send   --host H --from ADDR --to ADDR [options]   send a test message (or stop early with --stop-after)
  mailprobe verify --host H [--user U --password-env VAR]    connect, TLS and AUTH; nothing is sent
  mailprobe probe  HOST [--ports 25,465,587,2525] [--mx]     which ports and TLS modes work from here
  mailprobe domain DOMAIN [--provider P | --relay HOST]      will mail from this domain be trusted? MX, SPF,
                                                             DKIM, DMARC, MTA-STS … and the records to publish
  mailprobe api    --provider P --key-env VAR --from … --to …   send (or --verify) over a provider's HTTPS API
  mailprobe sandbox [--rtt MS] [--profiles-out FILE]         run the local sandbox SMTP + HTTPS API servers
  mailprobe compare --profiles FILE --profile A --profile B  SMTP vs API latency: N interleaved runs each
  mailprobe check  [FILE] [--junit FILE] [--every 5m]       run a check file (mailprobe.checks.yaml): assertions on
                                                             probe, verify, send, api, domain … runs; JUnit for CI
  mailprobe oauth login|list|logout                          sign in to Microsoft 365, Google or an OAuth2 issuer
                                                             for send and verify --oauth NAME
  mailprobe <command> --help                                 options of a command
  mailprobe -V, --version                                    the version

Every command that connects takes --proxy URL, --ipv4 | --ipv6 and --local-address ADDR, and
-v (--verbose: the details too), -q (--quiet: only the verdict line) or --json (one JSON object).
send and api prove delivery with --await-inbox imaps://USER@HOST --inbox-password-env VAR: they
watch the mailbox until the message arrives (Inbox or Junk, hops, SPF/DKIM/DMARC); send signs
with DKIM with --dkim-domain D --dkim-selector S --dkim-key-file FILE.

Exit status: 0 the test succeeded, 1 it ran and failed (the error code says why), 2 bad usage,
130 interrupted (Ctrl-C cancels a run and still prints what happened; a second Ctrl-C quits at once).
Passwords and access tokens are never taken from the command line: use --password-env VAR or
--password-stdin, and --token-env VAR for an OAuth2 access token (or --oauth NAME for a saved sign-in);
the mailbox's with --inbox-password-env VAR (or --inbox-oauth NAME), a DKIM key with --dkim-key-file.
`

const CONNECTION = `Connection:
  --host H                 server host name or IP address (required)
  --port N                 port (default 587; 465 with --security tls)
  --security MODE          none | starttls | tls | auto (default auto: TLS from the first byte on 465,
                           otherwise STARTTLS when the server offers it; a server silent for 1.5 s
                           is tried with TLS from the first byte). starttls = required.
  --ehlo NAME              name to send in EHLO (default: this machine's name)
  --timeout MS             connect, greeting and idle timeout in milliseconds
TLS (verified by default):
  --ca FILE                trust the CA certificate(s) in this PEM file
  --servername NAME        SNI name, and the name the certificate must match (default: --host)
  --insecure               do not verify the certificate (every result then carries a warning)
Authentication:
  --user U                 user name; needs a password or an access token from one of these
                           (with --oauth NAME, the sign-in's account when not given):
  --password-env VAR       read the password from environment variable VAR
  --password-stdin         read it from standard input (one trailing newline is removed)
  --token-env VAR          read an OAuth2 access token from environment variable VAR (for CI; with
                           --auth auto, XOAUTH2 or OAUTHBEARER, whichever the server offers). A token
                           that is a JWT is checked first: audience, SMTP.Send / SMTP.SendAsApp, expiry
  --oauth NAME             use the sign-in saved by "mailprobe oauth login --name NAME": its access
                           token, renewed first when less than 5 minutes are left (an info line in the
                           transcript says so), for its account unless --user names the mailbox
  --auth METHOD            auto | plain | login | cram-md5 | xoauth2 | oauthbearer (default auto: the
                           best advertised)
  --show-username          show the user name in the transcript (the password never is)
${networkHelp()}
Output:
  --json                   print one JSON object (the full result) on stdout instead of the transcript
                           (-v and -q do not change it)
${VERBOSITY_HELP}
  -h, --help               this help`

const MESSAGE = `Message:
  --from ADDR              envelope sender and From: (required unless stopping before MAIL)
  --to ADDR                recipient; repeat for more (at least one of --to/--cc/--bcc unless
  --cc ADDR, --bcc ADDR    stopping before RCPT)
  --subject S              subject (default: "Mailprobe test <token> <time>")
  --text T, --html H       text and HTML bodies (default text: a line naming Mailprobe and the token)
  --attach FILE            attach a file; repeat for more
  --header "Name: value"   extra header; repeat for more
  --stop-after STAGE       connect | banner | ehlo | tls | auth | mail | rcpt: stop there, then RSET and
                           QUIT; nothing is delivered (rcpt tests the envelope)`

const DKIM = `DKIM signing:
  --dkim-domain D          sign the message with DKIM for domain D, with
  --dkim-selector S        selector S (the public key is published at S._domainkey.D) and
  --dkim-key-file FILE     the private key's PEM file (RSA or Ed25519), read when the run starts; or
  --dkim-key-env VAR       the private key's PEM text from environment variable VAR. The summary
                           shows the signature (the header itself with -v) and, with --await-inbox,
                           whether it verified on arrival`

const SEND = `Usage: mailprobe send --host H --from ADDR --to ADDR [options]

Runs an SMTP session and sends a test message, printing every exchange as it happens
(-> client, <- server, ~~ TLS, == info, ** error), then the phase timings and the verdict.

${CONNECTION}
${MESSAGE}
${DKIM}
${INBOX_HELP}

Examples:
  SMTP_PASSWORD=… mailprobe send --host smtp.example.com --user me@example.com --password-env SMTP_PASSWORD \\
      --from me@example.com --to you@example.net --stop-after rcpt
  pass show smtp | mailprobe send --host smtp.example.com --port 465 --security tls --user me \\
      --password-stdin --from me@example.com --to you@example.net --attach report.pdf \\
      --header "X-Test: 1" --json | jq .totalMs
  mailprobe send --host smtp.example.com --proxy socks5://me@127.0.0.1:1080 \\
      --proxy-password-env PROXY_PASSWORD --from me@example.com --to you@example.net -q
  IMAP_PASSWORD=… mailprobe send --host smtp.example.com --user me@example.com --password-env SMTP_PASSWORD \\
      --from me@example.com --to test@example.net --dkim-domain example.com --dkim-selector s1 \\
      --dkim-key-file dkim.pem --await-inbox imaps://test%40example.net@imap.example.net \\
      --inbox-password-env IMAP_PASSWORD

${INTERRUPT_HELP}
Exit status: 0 the test succeeded (with --await-inbox: the message was seen, in Inbox or Junk),
1 it ran and failed (or was not seen in time), 2 bad usage, 130 interrupted (Ctrl-C).
`

const VERIFY = `Usage: mailprobe verify --host H [--user U (--password-env VAR | --password-stdin | --token-env VAR) | --oauth NAME] [options]

Connects, negotiates TLS and authenticates, then QUITs: the same as
"mailprobe send --stop-after auth". Nothing is sent; --from and --to are not needed.

${CONNECTION}

Examples:
  mailprobe verify --host smtp.example.com --user me@example.com --password-env SMTP_PASSWORD
  mailprobe verify --host smtp.office365.com --user me@contoso.com --token-env M365_TOKEN
  mailprobe verify --host smtp.office365.com --oauth work

${INTERRUPT_HELP}
Exit status: 0 the credentials work, 1 the test ran and failed, 2 bad usage, 130 interrupted (Ctrl-C).
`

export function helpText(topic: HelpTopic): string {
  return topic === 'send' ? SEND : topic === 'verify' ? VERIFY : MAIN
}

/** The line that follows every usage error. */
export function helpHint(command?: string): string {
  return command ? `Run 'mailprobe ${command} --help' for usage.` : `Run 'mailprobe --help' for usage.`
}
