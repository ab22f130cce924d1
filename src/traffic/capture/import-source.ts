/**
 * @module traffic/capture/import-source
 * What every importer (HAR, GoReplay, an existing capture) shares: its options and the tally of
 * what it read and left out.
 */

/** Options every importer takes. */
export type ImportSourceOptions = {
  signal?: AbortSignal
  /** Bodies are cut at this many bytes (flagged `truncated`). */
  maxBodyBytes?: number
  /** Keep only requests to these origins (`http://127.0.0.1:3000`); default all. HAR only. */
  origins?: string[]
}

/** What an importer read, and why it left things out; filled in as it goes. */
export type ImportTally = {
  /** Entries or payloads read from the input. */
  read: number
  /** Entries left out, by reason (`not http(s)`, `other origin`, `response without request`, …). */
  skipped: Record<string, number>
  /** Exchanges written without a response (failed in the browser, or not recorded). */
  withoutResponse: number
  /** The tool that wrote the input, when it says (`Playwright 1.50`, `WebInspector 537.36`). */
  creator?: string
}

export function newTally(): ImportTally {
  return { read: 0, skipped: {}, withoutResponse: 0 }
}

export function skip(tally: ImportTally, reason: string): void {
  tally.skipped[reason] = (tally.skipped[reason] ?? 0) + 1
}
