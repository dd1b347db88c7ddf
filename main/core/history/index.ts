export { HistoryStore, HISTORY_INDEX_FILE, HISTORY_RUNS_DIR, type HistoryStoreOptions } from './store'
export { summarize, summaryLine, PROVIDER_LABELS, type RunMeta } from './summary'
export { transcriptText, exportEntry, exportName } from './export'
