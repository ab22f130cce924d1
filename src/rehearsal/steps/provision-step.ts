/**
 * @module rehearsal/steps/provision-step
 * Decides what runs where: the instances of both versions and their addresses.
 */
import { environmentStateDir } from '../../drivers/state-layout.ts'
import { planInstances, resolvePlan } from '../plan-environment.ts'
import type { Step } from '../step.ts'
import { prepareVersionRoots } from '../version-roots.ts'

export const provisionStep: Step = {
  name: 'provision',
  async run(ctx, signal) {
    const roots = await prepareVersionRoots(ctx.loaded, ctx.stateRoot, signal)
    const instances = planInstances(ctx.spec, {
      dir: ctx.loaded.dir,
      versions: ['baseline', 'candidate'],
      roots: roots.dirs,
    })
    const plan = await resolvePlan(ctx.spec, instances, {
      driver: ctx.driver,
      id: ctx.rehearsalId,
      stateDir: environmentStateDir(ctx.stateRoot, ctx.rehearsalId),
      signal,
      labels: roots.labels,
      proxies: ctx.spec.traffic !== undefined,
    })
    const { proxies, ...environment } = plan
    ctx.state.plan = environment
    if (proxies) ctx.state.proxyAddresses = proxies
    ctx.events.emit('environment.planned', {
      instances: plan.services.map((s) => ({
        instance: s.instance,
        version: s.version ?? null,
        port: s.port,
        cwd: s.cwd,
      })),
    })
  },
}
