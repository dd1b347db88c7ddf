/** The extension lines of an EHLO reply, without codes and without the greeting line. */
export function parseEhlo(reply: string): string[] {
  return reply
    .split(/\r?\n/)
    .map((l) => l.replace(/^\d{3}[ -]?/, '').trim())
    .slice(1)
    .filter(Boolean)
}

/** AUTH mechanisms advertised in capability lines ("AUTH PLAIN LOGIN", also the old "AUTH=LOGIN"). */
export function authMechanisms(capabilities: readonly string[] | null): string[] {
  const out = new Set<string>()
  for (const line of capabilities ?? []) {
    const m = /^AUTH[\s=](.*)$/i.exec(line)
    if (m) for (const mech of m[1]!.split(/[\s=]+/)) if (mech) out.add(mech.toUpperCase())
  }
  return [...out]
}

export function hasCapability(capabilities: readonly string[] | null, name: string): boolean {
  return (capabilities ?? []).some((l) => l.toUpperCase() === name || l.toUpperCase().startsWith(name + ' '))
}
