// An SPF record's own terms, as the checks that suggest a fixed record need them (evaluation is
// mailauth's): whether it includes a name, and the record with mechanisms added before its end.

/** The record's own terms (mechanisms and modifiers, after v=spf1), not those of what it includes. */
export function topLevel(record: string): string[] {
  return record.trim().split(/\s+/).slice(1)
}

/** Whether an SPF record has `include:NAME` among its own terms. */
export function hasInclude(record: string, include: string): boolean {
  const want = `include:${include.toLowerCase()}`
  return topLevel(record).some((t) => t.toLowerCase().replace(/^\+/, '') === want)
}

/**
 * The record with `mechanisms` added before its `all` (or its `redirect=`), keeping its own
 * qualifier; one that has neither gets `~all`; no record at all gives `v=spf1 MECHANISMS ~all`.
 */
export function withMechanisms(record: string | null, mechanisms: readonly string[]): string {
  if (!record) return ['v=spf1', ...mechanisms, '~all'].join(' ')
  const terms = topLevel(record)
  const end = terms.findIndex((t) => /^[+?~-]?all$/i.test(t) || /^redirect=/i.test(t))
  if (end < 0) return ['v=spf1', ...terms, ...mechanisms, '~all'].join(' ')
  return ['v=spf1', ...terms.slice(0, end), ...mechanisms, ...terms.slice(end)].join(' ')
}
