// Ctrl-C during a run: the first one cancels the job (its result then says CANCELLED, the command
// still prints it, and exits 130); a second one quits at once with 130, as shells expect.

/** The exit status of a run that Ctrl-C cancelled (128 + SIGINT), the shell convention. */
export const INTERRUPTED = 130

export interface InterruptIO {
  /** Where SIGINT is heard: the process in real use; tests may omit it. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>
}

export function cancelOnInterrupt(io: InterruptIO, tell: () => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  let interrupts = 0
  const onSigint = () => {
    if (++interrupts > 1) process.exit(INTERRUPTED)
    tell()
    controller.abort()
  }
  io.signals?.on('SIGINT', onSigint)
  return { signal: controller.signal, dispose: () => io.signals?.off('SIGINT', onSigint) }
}
