// Help texts and the version. Imported at start-up by every invocation, so it stays tiny: no
// runtime imports except package.json's version, which esbuild inlines into the bundle.
import { version } from '../../package.json'

export const VERSION: string = version

export type HelpTopic = 'main' | 'send' | 'verify'

const MAIN = `mailprobe ${VERSION} — test mail submission with evidence: a live SMTP transcript, phase timings, round trips.

Usage:
  mailprobe send   --host H --from ADDR --to ADDR [options]   send a test message (or stop early with --stop-after)
  mailprobe verify --host H [--user U --password-env VAR]    connect, TLS and AUTH; nothing is sent
  mailprobe probe  HOST [--ports 25,465,587,2525] [--mx]     which ports and TLS modes work from here
  mailprobe api    --provider P --key-env VAR --from … --to …   send (or --verify) over a provider's HTTPS API
  mailprobe sandbox [--rtt MS] [--profiles-out FILE]         run the local sandbox SMTP + HTTPS API servers
  mailprobe compare --profiles FILE --profile A --profile B  SMTP vs API latency: N interleaved runs each
  mailprobe <command> --help                                 options of a command
  mailprobe --version

Exit status: 0 the test succeeded, 1 it ran and failed (the error code says why), 2 bad usage.
Passwords are never taken from the command line: use --password-env VAR or --password-stdin.
`

const CONNECTION = `Connection:
  --host H                 server host name or IP address (required)
  --port N                 port (default 587; 465 with --security tls)
  --security MODE          none | starttls | tls | auto (default auto: TLS from the first byte on 465,
                           otherwise STARTTLS when the server offers it). starttls = required.
  --ehlo NAME              name to send in EHLO (default: this machine's name)
  --timeout MS             connect, greeting and idle timeout in milliseconds
TLS (verified by default):
  --ca FILE                trust the CA certificate(s) in this PEM file
  --servername NAME        SNI name, and the name the certificate must match (default: --host)
  --insecure               do not verify the certificate (every result then carries a warning)
Authentication:
  --user U                 user name; needs a password from one of:
  --password-env VAR       read the password (or XOAUTH2 access token) from environment variable VAR
  --password-stdin         read it from standard input (one trailing newline is removed)
  --auth METHOD            auto | plain | login | cram-md5 | xoauth2 (default auto: the best advertised)
  --show-username          show the user name in the transcript (the password never is)
Output:
  --json                   print one JSON object (the full result) on stdout instead of the transcript
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

const SEND = `Usage: mailprobe send --host H --from ADDR --to ADDR [options]

Runs an SMTP session and sends a test message, printing every exchange as it happens
(-> client, <- server, ~~ TLS, == info, ** error), then the phase timings and the verdict.

${CONNECTION}
${MESSAGE}

Examples:
  SMTP_PASSWORD=… mailprobe send --host smtp.example.com --user me@example.com --password-env SMTP_PASSWORD \\
      --from me@example.com --to you@example.net --stop-after rcpt
  pass show smtp | mailprobe send --host smtp.example.com --port 465 --security tls --user me \\
      --password-stdin --from me@example.com --to you@example.net --attach report.pdf \\
      --header "X-Test: 1" --json | jq .totalMs

Exit status: 0 the test succeeded, 1 it ran and failed, 2 bad usage.
`

const VERIFY = `Usage: mailprobe verify --host H [--user U (--password-env VAR | --password-stdin)] [options]

Connects, negotiates TLS and authenticates, then QUITs: the same as
"mailprobe send --stop-after auth". Nothing is sent; --from and --to are not needed.

${CONNECTION}

Example:
  mailprobe verify --host smtp.example.com --user me@example.com --password-env SMTP_PASSWORD

Exit status: 0 the credentials work, 1 the test ran and failed, 2 bad usage.
`

export function helpText(topic: HelpTopic): string {
  return topic === 'send' ? SEND : topic === 'verify' ? VERIFY : MAIN
}

/** The line that follows every usage error. */
export function helpHint(command?: string): string {
  return command ? `Run 'mailprobe ${command} --help' for usage.` : `Run 'mailprobe --help' for usage.`
}
