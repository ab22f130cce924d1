/**
 * @module data/run-pool
 * Runs async work over items with at most `jobs` at a time; the first failure stops handing out
 * work and is rethrown once the running items have settled.
 */
export async function runPool<T>(
  items: readonly T[],
  jobs: number,
  work: (item: T, worker: number) => Promise<void>,
): Promise<void> {
  const queue = [...items]
  let failed = false
  let firstError: unknown
  const worker = async (index: number) => {
    for (let item = queue.shift(); item !== undefined && !failed; item = queue.shift()) {
      try {
        await work(item, index)
      } catch (error) {
        if (!failed) firstError = error
        failed = true
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, queue.length)) }, (_, i) => worker(i)))
  if (failed) throw firstError
}
