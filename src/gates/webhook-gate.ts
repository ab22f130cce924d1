/**
 * @module gates/webhook-gate
 * The webhook gate: asks another system. It POSTs the rehearsal's state so far as JSON —
 * `{ rehearsalId, project, verdictSoFar, gates }` — and passes when the answer has the expected
 * status (any 2xx by default) and, if one is given, contains the expected body text.
 *
 *     gates: [{ webhook: https://ci.example.com/release-check, expect: { status: 200, body: ok } }]
 */
import { z } from 'zod'
import type { GateResult } from '../core/types.ts'
import { durationMs } from '../spec/fields.ts'
import type { Gate, GateContext } from './gate.ts'
import { postJson, safeUrl } from './post-json.ts'

/** A URL to POST to and what must come back (shared by the `webhook` gate and the actions). */
export const webhookSchema = z.strictObject({
  /** An http:// or https:// URL. */
  webhook: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  /** The answer that counts as success. Default: any 2xx status. */
  expect: z
    .strictObject({
      /** A status or a list of them. */
      status: z
        .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
        .transform((s) => (Array.isArray(s) ? s : [s]))
        .optional(),
      /** Text the response body must contain. */
      body: z.string().optional(),
    })
    .optional(),
  /** Longest to wait for the answer. Default 30s. */
  timeout: durationMs().prefault('30s'),
  /** Request headers (an Authorization header from `${secret.…}`, say); never shown in reasons. */
  headers: z.record(z.string(), z.string()).optional(),
})
export type WebhookOptions = z.output<typeof webhookSchema>

/** POSTs `body` to the webhook and judges the answer against `expect`; `said` is the sentence for reasons. */
export async function callWebhook(
  options: WebhookOptions,
  body: unknown,
  signal: AbortSignal,
): Promise<{ ok: boolean; status: number | null; ms: number; said: string; excerpt: string[] }> {
  const url = safeUrl(options.webhook)
  const answer = await postJson({
    url: options.webhook,
    body,
    ...(options.headers ? { headers: options.headers } : {}),
    timeoutMs: options.timeout,
    signal,
  })
  if (!answer.ok) {
    const why = answer.timedOut
      ? `did not answer within ${Math.round(options.timeout / 100) / 10} s`
      : answer.interrupted
        ? 'was interrupted'
        : `could not be reached (${answer.error})`
    return { ok: false, status: null, ms: answer.ms, said: `POST ${url} ${why}`, excerpt: [] }
  }
  const statuses = options.expect?.status
  const statusOk = statuses ? statuses.includes(answer.status) : answer.status >= 200 && answer.status < 300
  const wanted = options.expect?.body
  const bodyOk = wanted === undefined || answer.body.includes(wanted)
  const expected = `${statuses ? statuses.join(' or ') : '2xx'}${wanted !== undefined ? ` with a body containing ${JSON.stringify(wanted)}` : ''}`
  const excerpt = answer.body.trim() ? [`body: ${oneLine(answer.body)}`] : []
  return {
    ok: statusOk && bodyOk,
    status: answer.status,
    ms: answer.ms,
    said: `POST ${url} answered ${answer.status} in ${answer.ms} ms${statusOk && bodyOk ? '' : `, expected ${expected}`}`,
    excerpt,
  }
}

export const webhookGate: Gate<WebhookOptions> = {
  kind: 'webhook',
  async evaluate(ctx: GateContext, options: WebhookOptions, signal: AbortSignal): Promise<GateResult> {
    const payload = {
      rehearsalId: ctx.rehearsalId,
      project: ctx.project,
      verdictSoFar: ctx.verdictSoFar ?? null,
      gates: (ctx.earlier ?? []).map(({ kind, status, critical, reasons }) => ({ kind, status, critical, reasons })),
    }
    const answer = await callWebhook(options, payload, signal)
    const details = { url: safeUrl(options.webhook), status: answer.status, ms: answer.ms }
    return { status: answer.ok ? 'pass' : 'fail', reasons: [answer.said, ...answer.excerpt], details }
  },
}

function oneLine(text: string): string {
  const line = text.trim().replace(/\s+/g, ' ')
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}
