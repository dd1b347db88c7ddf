import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { PROBE_DEFAULT_PORTS, PROBE_MAX_PORTS, hostSchema, portSchema } from '@contract'
import { probeRows } from '@renderer/components/probe/probe-format'
import { useJobsStore } from './jobs'
import { useTabJob } from './tab-job'

export const PORT_CHOICES: readonly number[] = PROBE_DEFAULT_PORTS

/** The probe form and the job it last ran; rows come from that job's result. */
export const useProbeStore = defineStore('probe', () => {
  const jobs = useJobsStore()
  const host = ref('')
  const ports = ref<number[]>([...PROBE_DEFAULT_PORTS])
  const extraPorts = ref<number[]>([])
  const { jobId, job, running, result, startError, start, cancel } = useTabJob('probe')
  const hostError = ref<string | null>(null)
  const portError = ref<string | null>(null)
  const expanded = ref<string[]>([])
  /** A PEM file of CAs to trust (a private CA); empty: the system's trust store. */
  const caFile = ref('')
  /** Probe without verifying certificates (the result says so on every port). */
  const insecure = ref(false)

  const rows = computed(() => {
    const t = job.value?.target
    return probeRows(result.value, t?.kind === 'probe' ? { host: t.host, ports: t.ports } : undefined)
  })

  function togglePort(port: number): void {
    ports.value = ports.value.includes(port) ? ports.value.filter((p) => p !== port) : [...ports.value, port].sort((a, b) => a - b)
    portError.value = null
  }

  /** Adds a custom port chip (and selects it); returns an error sentence when it is not a port. */
  function addPort(raw: string | number): string | null {
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim())
    const parsed = portSchema.safeParse(n)
    if (!parsed.success) return parsed.error.issues[0]?.message ?? 'not a port'
    if (!PORT_CHOICES.includes(n) && !extraPorts.value.includes(n)) extraPorts.value = [...extraPorts.value, n]
    if (!ports.value.includes(n)) ports.value = [...ports.value, n].sort((a, b) => a - b)
    portError.value = null
    return null
  }

  function validate(): boolean {
    const h = hostSchema.safeParse(host.value)
    hostError.value = h.success ? null : (h.error.issues[0]?.message ?? 'not a host')
    portError.value = ports.value.length === 0 ? 'pick at least one port' : ports.value.length > PROBE_MAX_PORTS ? `at most ${PROBE_MAX_PORTS} ports per probe` : null
    return !hostError.value && !portError.value
  }

  async function run(): Promise<boolean> {
    if (running.value || !validate()) return false
    const ca = caFile.value.trim()
    const input = { host: host.value.trim(), ports: [...ports.value], tls: { ...(ca ? { caFile: ca } : {}), insecure: insecure.value } }
    if (!(await start(() => jobs.runProbe(input)))) return false
    expanded.value = []
    return true
  }

  /** Shows a probe from History in the table. */
  function show(id: string): void {
    jobId.value = id
    const t = jobs.jobs.get(id)?.target
    if (t?.kind === 'probe') host.value = t.host
  }

  return { host, ports, extraPorts, caFile, insecure, jobId, job, running, result, rows, hostError, portError, startError, expanded, togglePort, addPort, validate, run, cancel, show }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useProbeStore, import.meta.hot))
