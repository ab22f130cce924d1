/**
 * @module rehearsal/steps/provision-step
 * Decides what runs: each version's files (a git worktree for a version with a `ref`) and the
 * instances of both versions. Addresses are allocated, and `${services.*}` / `${data.*}`
 * references resolved, by `resolveEnvironment` when deploy starts: by then the data step has
 * said where (and whether) the staging database is.
 */
import { environmentStateDir } from '../../drivers/state-layout.ts'
import { planInstances, resolvePlan } from '../plan-environment.ts'
import type { Step, StepContext } from '../step.ts'
import { prepareVersionRoots } from '../version-roots.ts'

export const provisionStep: Step = {
  name: 'provision',
  async run(ctx, signal) {
    const roots = await prepareVersionRoots(ctx.loaded, ctx.stateRoot, signal)
    ctx.state.roots = roots.dirs
    ctx.state.labels = roots.labels
    ctx.state.instances = planInstances(ctx.spec, {
      dir: ctx.loaded.dir,
      versions: ['baseline', 'candidate'],
      roots: roots.dirs,
    })
  },
}

/**
 * The environment's plan, with every value known: allocates addresses (and one for the proxy in
 * front of each instance when there is traffic) and resolves every deploy-time reference.
 */
export async function resolveEnvironment(ctx: StepContext, signal: AbortSignal): Promise<void> {
  const plan = await resolvePlan(ctx.spec, ctx.state.instances!, {
    driver: ctx.driver,
    id: ctx.environmentId,
    stateDir: environmentStateDir(ctx.stateRoot, ctx.environmentId),
    signal,
    ...(ctx.state.labels ? { labels: ctx.state.labels } : {}),
    ...(ctx.state.dataValues ? { values: ctx.state.dataValues } : {}),
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
}
