/**
 * @module rehearsal/plan-environment
 * From the spec to the driver's plan. Services that differ between baseline and candidate run
 * twice, side by side (`api@baseline`, `api@candidate`); the others run once and are shared. Each
 * instance sees the others through `${services.NAME.url}`: its own version's instance where the
 * service is versioned, the shared one otherwise.
 */
import { isAbsolute, resolve } from 'node:path'
import type { VersionName } from '../core/types.ts'
import type { Address, EnvironmentDriver, EnvironmentPlan, ServicePlan } from '../drivers/driver.ts'
import { resolveDeployRefs } from '../spec/interpolate.ts'
import { versionedServices } from '../spec/service-graph.ts'
import type { RehearsalSpec } from './rehearsal-spec.ts'

/** An instance before addresses are known. */
export type InstanceSpec = Omit<ServicePlan, 'host' | 'port' | 'env'> & {
  requestedPort: number | 'auto'
  /** Env values with deploy-time references still in them. */
  rawEnv: Record<string, string>
  version?: VersionName
}

/** Instance name of `service` as seen from `version`. */
export function instanceName(spec: RehearsalSpec, service: string, version: VersionName | undefined): string {
  return version && versionedServices(spec).includes(service) ? `${service}@${version}` : service
}

/**
 * The instances to run for the given versions (both for a rehearsal; one for `rehearse up
 * --version`). `roots` maps a version to the directory its services resolve relative paths
 * against (the spec's directory, or a git worktree for a version with a `ref`).
 */
export function planInstances(
  spec: RehearsalSpec,
  options: { dir: string; versions: readonly VersionName[]; roots?: Partial<Record<VersionName, string>> },
): InstanceSpec[] {
  const versioned = new Set(versionedServices(spec))
  // The three-way response diff needs a second baseline of the service that gets the traffic.
  const secondBaseline = spec.diff ? (spec.traffic?.target ?? versionedServices(spec)[0]) : undefined
  const instances: InstanceSpec[] = []
  for (const [name, service] of Object.entries(spec.services)) {
    const versions: Array<VersionName | undefined> = versioned.has(name) ? [...options.versions] : [undefined]
    versions.forEach((version, index) => {
      const override = version ? spec.versions[version].services[name] : undefined
      const root = (version && options.roots?.[version]) || options.dir
      const cwdSpec = override?.cwd ?? service.cwd ?? '.'
      const env = { ...service.env, ...override?.env }
      const health = service.health ?? { tcp: true, interval: 100, timeout: 30_000 }
      const command = override?.command ?? service.command
      const image = override?.image ?? service.image
      const planned: InstanceSpec = {
        instance: version ? `${name}@${version}` : name,
        service: name,
        ...(version ? { version } : {}),
        ...(command ? { command } : {}),
        ...(image ? { image } : {}),
        cwd: isAbsolute(cwdSpec) ? cwdSpec : resolve(root, cwdSpec),
        rawEnv: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
        // A fixed port goes to the first version; the other runs beside it on a free port.
        requestedPort: index === 0 ? service.port : 'auto',
        health: {
          ...(health.http ? { http: health.http } : {}),
          ...(health.tcp ? { tcp: true } : {}),
          ...(health.command ? { command: health.command } : {}),
          ...(!health.http && !health.command ? { tcp: true } : {}),
          intervalMs: health.interval,
          timeoutMs: health.timeout,
        },
        dependsOn: service.dependsOn.map((dep) => (version && versioned.has(dep) ? `${dep}@${version}` : dep)),
        stopGraceMs: service.stopTimeout,
      }
      instances.push(planned)
      if (version === 'baseline' && name === secondBaseline)
        instances.push({ ...planned, instance: `${name}@baseline-2`, requestedPort: 'auto' })
    })
  }
  return instances
}

/** Allocates addresses with the driver and resolves every deploy-time reference. */
export async function resolvePlan(
  spec: RehearsalSpec,
  instances: InstanceSpec[],
  options: {
    driver: EnvironmentDriver
    id: string
    stateDir: string
    signal: AbortSignal
    labels?: Partial<Record<VersionName, string>>
    values?: Record<string, string>
    /**
     * Put a measuring proxy in front of every instance: services then reach each other through
     * the proxies (so faults can be injected between them). Returns the proxies' addresses.
     */
    proxies?: boolean
  },
): Promise<EnvironmentPlan & { proxies?: Map<string, Address> }> {
  const requests = instances.map((i) => ({ instance: i.instance, port: i.requestedPort }))
  if (options.proxies)
    for (const i of instances) requests.push({ instance: `${PROXY_PREFIX}${i.instance}`, port: 'auto' })
  const addresses = await options.driver.allocate(requests, options.signal)
  const proxies = options.proxies
    ? new Map(instances.map((i) => [i.instance, addresses.get(`${PROXY_PREFIX}${i.instance}`)!] as const))
    : undefined
  const addressOf = (instance: string): Address => addresses.get(instance)!
  // What other services are told: the proxy in front of an instance when there is one.
  const reachableAt = (instance: string): Address => proxies?.get(instance) ?? addressOf(instance)
  const services: ServicePlan[] = instances.map((instance) => {
    const { host, port } = addressOf(instance.instance)
    const versionName = instance.version ?? 'baseline'
    const label = options.labels?.[versionName] ?? spec.versions[versionName].label ?? versionName
    const resolveRefs = (text: string) =>
      resolveDeployRefs(text, {
        service: (name) => {
          const a = reachableAt(instanceName(spec, name, instance.version ?? 'baseline'))
          return { host: a.host, port: a.port, url: `http://${a.host}:${a.port}` }
        },
        version: { name: instance.version ?? 'shared', label },
        ...(options.values ? { values: options.values } : {}),
      })
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(instance.rawEnv)) env[key] = resolveRefs(value)
    env['PORT'] = String(port)
    env['HOST'] = host
    env['REHEARSE_SERVICE'] = instance.service
    if (instance.version) env['REHEARSE_VERSION'] = instance.version
    const { requestedPort: _port, rawEnv: _env, ...rest } = instance
    return {
      ...rest,
      ...(rest.command ? { command: resolveRefs(rest.command) } : {}),
      env,
      host,
      port,
    }
  })
  return { id: options.id, project: spec.name, stateDir: options.stateDir, services, ...(proxies ? { proxies } : {}) }
}

const PROXY_PREFIX = 'proxy:'

/** The URL of an instance in a plan. */
export function urlOf(plan: EnvironmentPlan, instance: string): string | undefined {
  const s = plan.services.find((p) => p.instance === instance)
  return s ? `http://${s.host}:${s.port}` : undefined
}
