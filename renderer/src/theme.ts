import type { GlobalThemeOverrides } from 'naive-ui'

/** UI.md: Inter for text, JetBrains Mono for protocol data, 13 px, bundled fonts only. */
export const themeOverrides: GlobalThemeOverrides = {
  common: {
    fontFamily: "Inter, system-ui, -apple-system, 'Segoe UI', sans-serif",
    fontFamilyMono: "'JetBrains Mono', ui-monospace, Menlo, Consolas, monospace",
    fontSize: '13px',
    fontSizeMedium: '13px',
    fontSizeSmall: '12px',
    heightMedium: '30px',
  },
}

/** Transcript and waterfall colours (CSS variables read by the components), per colour scheme. */
export function toneVars(dark: boolean): Record<string, string> {
  const t = dark
    ? { client: '#70a5ff', server: '#63e2b7', warn: '#f2c97d', error: '#e88080', tls: '#b895f5', info: '#8d8d94', net: '#4d8fe8', srv: '#d9a441', surface: '#18181c' }
    : { client: '#2f6fd6', server: '#18804b', warn: '#b7791f', error: '#d03050', tls: '#7c4dcc', info: '#80808a', net: '#2f7de1', srv: '#d9900b', surface: '#ffffff' }
  return {
    '--mp-tone-client': t.client,
    '--mp-tone-server': t.server,
    '--mp-tone-warn': t.warn,
    '--mp-tone-error': t.error,
    '--mp-tone-tls': t.tls,
    '--mp-tone-info': t.info,
    '--mp-phase-network': t.net,
    '--mp-phase-server': t.srv,
    '--mp-surface': t.surface,
  }
}
