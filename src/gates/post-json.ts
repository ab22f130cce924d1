/**
 * @module gates/post-json
 * POSTs a JSON document to a user's URL (a `webhook` gate, a promote or rollback action) with a
 * time limit, and reports what came back. It never throws for the far side's failures: a refused
 * connection or a timeout is an answer too, and the caller turns it into reasons.
 */

export type PostResult =
  | { ok: true; status: number; body: string; ms: number }
  | { ok: false; error: string; timedOut: boolean; interrupted: boolean; ms: number }

export type PostJsonOptions = {
  url: string
  body: unknown
  headers?: Record<string, string>
  timeoutMs: number
  signal: AbortSignal
}

/** The most of a response body kept (for matching and for reasons). */
const MAX_BODY = 64 * 1024

export async function postJson(options: PostJsonOptions): Promise<PostResult> {
  const started = performance.now()
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const signal = AbortSignal.any([options.signal, timeout])
  const ms = () => Math.round(performance.now() - started)
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/plain, */*', ...options.headers },
      body: JSON.stringify(options.body),
      signal,
      redirect: 'manual',
    })
    const body = await readLimited(response)
    return { ok: true, status: response.status, body, ms: ms() }
  } catch (error) {
    const timedOut = timeout.aborted && !options.signal.aborted
    return {
      ok: false,
      error: timedOut ? 'no answer in time' : describeFetchError(error),
      timedOut,
      interrupted: options.signal.aborted,
      ms: ms(),
    }
  }
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return ''
  const decoder = new TextDecoder()
  let text = ''
  const reader = response.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      if (text.length >= MAX_BODY) break
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
  return text.slice(0, MAX_BODY)
}

/** fetch hides the socket error in `cause`: "connect ECONNREFUSED 127.0.0.1:9" reads better than "fetch failed". */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause
  if (cause?.message)
    return cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message
  return error instanceof Error ? error.message : String(error)
}

/** The URL as it may be shown: without credentials, query or fragment (they may hold tokens). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return '(an invalid URL)'
  }
}
