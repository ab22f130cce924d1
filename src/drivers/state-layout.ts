/**
 * @module drivers/state-layout
 * Where environments keep their records: `<stateRoot>/envs/<id>/` (by default `stateRoot` is the
 * project's `.rehearse/`). Callers put `EnvironmentPlan.stateDir` there, and `list(stateRoot)`
 * looks there, so `rehearse status` and `rehearse down` find what `rehearse up` started.
 */
import { join } from 'node:path'

/** The folder under a state root that holds one folder per environment. */
export const ENVIRONMENTS_DIR = 'envs'

/** `<stateRoot>/envs/<id>`: the `stateDir` of the environment `id`. */
export function environmentStateDir(stateRoot: string, id: string): string {
  return join(stateRoot, ENVIRONMENTS_DIR, id)
}
