/**
 * @module rehearsal/steps/deploy-step
 * Resolves the environment's plan (addresses, `${services.*}` and `${data.*}`), then starts every
 * instance through the driver, baseline and candidate side by side, and watches them:
 * a service that exits while the rehearsal runs stops it. A crashing candidate is a finding about
 * the release (the verdict is rollback); a crashing baseline or shared service is an
 * infrastructure failure.
 */
import { RehearseError } from '../../core/errors.ts'
import type { DriverEvent } from '../../drivers/driver.ts'
import { SampleAggregator } from '../../telemetry/sample-aggregator.ts'
import type { ProxyHandle } from '../../traffic/proxy/proxy.ts'
import { startProxy } from '../../traffic/proxy/start-proxy.ts'
import { urlOf } from '../plan-environment.ts'
import type { Step, StepContext } from '../step.ts'
import { resolveEnvironment } from './provision-step.ts'

/** The service that receives traffic and smoke requests: traffic.target, else the first that differs. */
export function targetService(ctx: Pick<StepContext, 'spec' | 'state'>): string {
  const plan = ctx.state.plan!
  const explicit = ctx.spec.traffic?.target
  if (explicit) return explicit
  return plan.services.find((s) => s.version)?.service ?? plan.services[0]!.service
}

export const deployStep: Step = {
  name: 'deploy',
  async run(ctx, signal) {
    await resolveEnvironment(ctx, signal)
    const plan = ctx.state.plan!
    const onEvent = (event: DriverEvent) => {
      ctx.events.emit(event.type, event)
      if (event.type === 'service.crashed') {
        const version = plan.services.find((s) => s.instance === event.instance)?.version
        ctx.state.crash = {
          instance: event.instance,
          version,
          exitCode: event.exitCode,
          signal: event.signal,
          lastLines: event.lastLines,
        }
        ctx.abortRun(
          new RehearseError(
            'DRIVER_SERVICE_CRASHED',
            `${event.instance} exited while the rehearsal ran (${event.signal ? `signal ${event.signal}` : `exit code ${event.exitCode}`}).`,
            { hint: `See its log: rehearse logs ${event.instance}`, details: { lastLines: event.lastLines } },
          ),
        )
      }
    }
    await startProxies(ctx, signal)
    ctx.state.handle = await ctx.driver.up(plan, { signal, onEvent })
    const service = targetService(ctx)
    const urls: Record<string, string> = {}
    for (const version of ['baseline', 'candidate']) {
      const instance = plan.services.find((s) => s.service === service && (s.version ?? version) === version)
      if (instance) urls[version] = urlOf(plan, instance.instance)!
    }
    const proxied: Record<string, string> = {}
    for (const version of ['baseline', 'candidate']) {
      const instance = plan.services.find((s) => s.service === service && (s.version ?? version) === version)
      const proxy = instance && ctx.state.proxies?.get(instance.instance)
      if (proxy) proxied[version] = proxy.url
    }
    ctx.state.targets = { service, urls, ...(Object.keys(proxied).length ? { proxied } : {}) }
    ctx.events.emit('environment.ready', { target: service, urls, proxied })
  },
}

/**
 * One measuring proxy in front of every instance, listening where the plan told the other
 * services to find it. Its target is named after the version (or the shared service), which is
 * how its samples and fault rules name it.
 */
async function startProxies(ctx: StepContext, signal: AbortSignal): Promise<void> {
  const addresses = ctx.state.proxyAddresses
  if (!addresses) return
  const proxySamples = new SampleAggregator()
  ctx.state.telemetry = { load: new SampleAggregator(), proxies: proxySamples, judgedFromMs: 0, judgedToMs: 0 }
  const proxies = new Map<string, ProxyHandle>()
  ctx.state.proxies = proxies
  for (const service of ctx.state.plan!.services) {
    const address = addresses.get(service.instance)
    if (!address) continue
    const handle = await startProxy({
      listen: { host: address.host, port: address.port },
      targets: { [service.version ?? service.service]: `http://${service.host}:${service.port}` },
      sink: proxySamples,
      logger: ctx.logger.child({ proxy: service.instance }),
      signal,
    })
    proxies.set(service.instance, handle)
  }
  ctx.events.emit('proxies.ready', {
    proxies: [...proxies].map(([instance, p]) => ({ instance, url: p.url, controlUrl: p.controlUrl })),
  })
}
