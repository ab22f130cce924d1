/**
 * @module rehearsal/steps/smoke-step
 * The smoke checks: each request once against each version of its service, before any traffic.
 * Results are events (`smoke.result`), so the smoke gate can be re-judged from the log.
 */
import { Agent, request } from 'undici'
import type { SmokeResult } from '../../gates/gate.ts'
import { normaliseSmokeCheck } from '../../spec/spec-schema.ts'
import { instanceName, urlOf } from '../plan-environment.ts'
import type { Step } from '../step.ts'
import { targetService } from './deploy-step.ts'

export const smokeStep: Step = {
  name: 'smoke',
  async run(ctx, signal) {
    const plan = ctx.state.plan!
    const results: SmokeResult[] = []
    // Its own connections, closed at the end: idle keep-alive sockets would delay services' shutdown.
    const dispatcher = new Agent({ keepAliveTimeout: 1_000 })
    try {
      for (const raw of ctx.spec.smoke) {
        const check = normaliseSmokeCheck(raw)
        const service = check.service ?? targetService(ctx)
        for (const version of ['baseline', 'candidate'] as const) {
          const instance = instanceName(ctx.spec, service, version)
          const base = urlOf(plan, instance)!
          const started = performance.now()
          let status = 0
          let error: string | undefined
          try {
            const body = check.json === undefined ? undefined : JSON.stringify(check.json)
            const response = await request(`${base}${check.path}`, {
              method: check.method as 'GET',
              headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...check.headers },
              ...(body ? { body } : {}),
              signal: AbortSignal.any([signal, AbortSignal.timeout(check.timeoutMs)]),
              dispatcher,
            })
            status = response.statusCode
            await response.body.dump()
          } catch (e) {
            if (signal.aborted) throw signal.reason
            error =
              (e as Error).name === 'TimeoutError' ? `no answer within ${check.timeoutMs} ms` : (e as Error).message
          }
          const result: SmokeResult = {
            version,
            instance,
            method: check.method,
            path: check.path,
            expected: check.status,
            status,
            ms: Math.round((performance.now() - started) * 10) / 10,
            ...(error ? { error } : {}),
          }
          results.push(result)
          ctx.events.emit('smoke.result', result)
        }
      }
    } finally {
      await dispatcher.close()
    }
    ctx.state.smoke = results
  },
}
