// Where the password comes from: an environment variable or standard input, never argv.
// Error messages here never contain the secret, nor the variable's name (which might be one, by mistake).
import type { NetworkOptionsInput } from '../../preload/contract'
import type { Command, SecretSource } from './args'
import { CliError, UsageError } from './args'

export interface SecretIO {
  env: NodeJS.ProcessEnv
  stdin: NodeJS.ReadStream
  stderr: NodeJS.WritableStream
}

export async function readSecret(source: SecretSource, io: SecretIO, command?: Command): Promise<string> {
  if (source.kind === 'token-env') return readEnvSecret('--token-env', source.name, io.env, command)
  if (source.kind === 'env') {
    const value = io.env[source.name]
    if (!value) throw new UsageError('--password-env: the environment variable it names is not set or is empty (export SMTP_PASSWORD=… first, then pass --password-env SMTP_PASSWORD)', command)
    return value
  }
  const raw = io.stdin.isTTY ? await readHiddenLine(io.stdin, io.stderr, command) : await readAll(io.stdin)
  const secret = stripOneNewline(raw)
  if (!secret) throw new UsageError('--password-stdin: standard input was empty', command)
  return secret
}

/** The value of the variable an option such as --key-env or --proxy-password-env names; unset or empty is bad usage. */
export function readEnvSecret(option: string, name: string, env: NodeJS.ProcessEnv, command?: Command): string {
  const value = env[name]
  if (!value) throw new UsageError(`${option}: the environment variable it names is not set or is empty (export it first, then pass its name)`, command)
  return value
}

/** `network` with the proxy password from the variable --proxy-password-env names, read when the run starts. */
export function withProxyPassword(network: NetworkOptionsInput | undefined, passwordEnv: string | null, env: NodeJS.ProcessEnv, command?: Command): NetworkOptionsInput | undefined {
  if (!network?.proxy || passwordEnv === null) return network
  return { ...network, proxy: { ...network.proxy, password: readEnvSecret('--proxy-password-env', passwordEnv, env, command) } }
}

/** Removes one trailing "\n" or "\r\n" (what `echo` or a here-string adds), nothing else. */
export function stripOneNewline(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2)
  if (s.endsWith('\n')) return s.slice(0, -1)
  return s
}

async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks).toString('utf8')
}

/** On a terminal: a prompt on stderr and one line read without echo. */
function readHiddenLine(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream, command?: Command): Promise<string> {
  stderr.write('Password: ')
  return new Promise((resolve, reject) => {
    let line = ''
    const finish = (err?: Error) => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      stderr.write('\n')
      if (err) reject(err)
      else resolve(line)
    }
    const onData = (data: Buffer | string) => {
      for (const ch of data.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish()
        // Ctrl-C at the prompt: the raw terminal delivers it as a character, not as SIGINT; 130 all the same.
        if (ch === '\u0003') return finish(new CliError('cancelled', 130, command))
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1)
        else line += ch
      }
    }
    stdin.setRawMode(true)
    stdin.on('data', onData)
    stdin.resume()
  })
}
