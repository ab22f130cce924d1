/**
 * @module rehearsal/event-log
 * The rehearsal's event log: every step emits events here; they are appended to the store in
 * order (batched, one write in flight at a time) and handed to live listeners (the CLI's progress
 * display). Nothing keeps a second copy of the truth: reports and verdicts are read back from it.
 */
import type { RehearsalEvent } from '../core/types.ts'
import type { NewEvent, Store } from '../store/store.ts'

export type EventListener = (event: NewEvent) => void

export class EventLog {
  readonly rehearsalId: string
  #store: Store
  #pending: NewEvent[] = []
  #writing: Promise<void> = Promise.resolve()
  #listeners = new Set<EventListener>()
  #failure: unknown

  constructor(store: Store, rehearsalId: string) {
    this.#store = store
    this.rehearsalId = rehearsalId
  }

  /** Records an event now (its time is now) and tells the listeners synchronously. */
  emit(type: string, data: unknown = {}): void {
    const event: NewEvent = { rehearsalId: this.rehearsalId, at: new Date().toISOString(), type, data }
    this.#pending.push(event)
    for (const listener of this.#listeners) listener(event)
    if (this.#pending.length === 1) this.#writing = this.#writing.then(() => this.#drain())
  }

  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Resolves when every event emitted so far is in the store; rethrows a failed write. */
  async flush(): Promise<void> {
    await this.#writing
    if (this.#pending.length) {
      this.#writing = this.#writing.then(() => this.#drain())
      await this.#writing
    }
    if (this.#failure) throw this.#failure
  }

  async #drain(): Promise<void> {
    while (this.#pending.length) {
      const batch = this.#pending.splice(0, this.#pending.length)
      try {
        await this.#store.appendEvents(batch)
      } catch (error) {
        this.#failure ??= error
        return
      }
    }
  }
}

/** The last event of a type, from a log read back from the store. */
export function lastEvent(events: RehearsalEvent[], type: string): RehearsalEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.type === type) return events[i]
  return undefined
}
