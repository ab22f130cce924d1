/**
 * @module rehearsal/report/testing/early-failure-fixture
 * The event log of a rehearsal whose baseline crashed during deploy: a record, a handful of
 * events, no traffic, no gates, no verdict — what the report must still explain.
 */
import type { RehearsalRecord } from '../../../store/store.ts'
import type { ReportInput } from '../report-input.ts'
import { Log, stored, T0 } from './fixture-log.ts'

/** A run whose baseline crashed while starting: no traffic, no gates, no verdict. */
export function earlyFailureFixture(): ReportInput {
  const id = 'r_0jq7k3a1b2c3d4ef'
  const log = new Log(id)
  const lastLines = [
    'api listening on http://127.0.0.1:41032',
    '\u001b[31mError: connect ECONNREFUSED 127.0.0.1:5432\u001b[0m',
    '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
  ]
  const error = {
    code: 'DRIVER_SERVICE_CRASHED',
    message: 'api-baseline exited while the rehearsal ran (exit code 1).',
    hint: 'See its log: rehearse logs api-baseline',
  }
  log.emit('rehearsal.started', T0, {
    project: 'shop',
    specHash: 'b7e2',
    steps: ['provision', 'deploy', 'smoke', 'gates'],
  })
  log.step('provision', T0 + 10, T0 + 120, () =>
    log.emit('environment.planned', T0 + 100, {
      instances: [
        { instance: 'api-baseline', version: 'baseline', port: 41032, cwd: '/srv/shop/v1' },
        { instance: 'api-candidate', version: 'candidate', port: 41033, cwd: '/srv/shop/v2' },
      ],
    }),
  )
  log.emit('step.started', T0 + 130, { step: 'deploy' })
  log.emit('service.crashed', T0 + 1_400, { instance: 'api-baseline', exitCode: 1, signal: null, lastLines })
  log.emit('step.failed', T0 + 1_450, { step: 'deploy', ms: 1_320, error })
  log.step('teardown', T0 + 1_460, T0 + 1_700)
  const summary = `failed: ${error.message}`
  log.emit('rehearsal.finished', T0 + 1_750, { status: 'failed', verdict: null, exitCode: 3, summary })
  const record: RehearsalRecord = {
    id,
    project: 'shop',
    status: 'failed',
    spec: { name: 'shop' },
    specHash: 'b7e2',
    createdAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 1_750).toISOString(),
    verdict: null,
    exitCode: 3,
    ownerPid: 4243,
    ownerHost: 'ci-runner-7',
    summary,
  }
  return { record, events: stored(log.events), series: [], generatedAt: new Date(T0 + 60_000).toISOString() }
}
