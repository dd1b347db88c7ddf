import * as z from 'zod'
import { parseProxyUrl } from './proxy-url'

/** Which address family a job connects over; auto tries every address of the name (IPv6 and IPv4 interleaved, as Happy Eyeballs does). */
export const ADDRESS_FAMILIES = ['auto', 'ipv4', 'ipv6'] as const
export type AddressFamily = (typeof ADDRESS_FAMILIES)[number]

const isIpv4 = (h: string) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(h) && h.split('.').every((p) => Number(p) <= 255)
const isIpv6 = (h: string) => /^[0-9A-Fa-f:.]+(%[\w.-]+)?$/.test(h) && (h.match(/:/g) ?? []).length >= 2

export const proxySchema = z
  .object({
    /** socks5://[user@]host:port, socks5h:// (names resolved by the proxy), socks4://, http:// (HTTP CONNECT). */
    url: z
      .string()
      .trim()
      .max(2048)
      .check((ctx) => {
        const parsed = parseProxyUrl(ctx.value)
        if ('problem' in parsed) ctx.issues.push({ code: 'custom', message: parsed.problem, input: ctx.value })
      }),
    /** The proxy user's password, filled in at run time (secret store, or --proxy-password-env). Never echoed. */
    password: z
      .string()
      .min(1)
      .max(1024)
      .refine((p) => !/[\r\n\0]/.test(p), 'the proxy password contains a line break')
      .optional(),
  })
  .strict()
export type ProxyOptions = z.infer<typeof proxySchema>

/** How a job reaches its server: address family, source address and an optional proxy. The same for every job kind. */
export const networkSchema = z
  .object({
    family: z.enum(ADDRESS_FAMILIES).default('auto'),
    /** The source address to connect from (an address of this machine). */
    localAddress: z
      .string()
      .trim()
      .max(64)
      .refine((a) => isIpv4(a) || isIpv6(a), 'the local address must be an IPv4 or IPv6 address of this machine')
      .optional(),
    proxy: proxySchema.optional(),
  })
  .strict()
  .superRefine((n, ctx) => {
    const local = n.localAddress
    if (local && n.family === 'ipv4' && !isIpv4(local)) ctx.addIssue({ code: 'custom', path: ['localAddress'], message: 'an IPv6 local address cannot be used with IPv4 only' })
    if (local && n.family === 'ipv6' && !isIpv6(local)) ctx.addIssue({ code: 'custom', path: ['localAddress'], message: 'an IPv4 local address cannot be used with IPv6 only' })
  })
export type NetworkOptions = z.output<typeof networkSchema>
export type NetworkOptionsInput = z.input<typeof networkSchema>
