/**
 * Vitest global setup: the end-to-end tests run the CLI as a user does (bin/rehearse.js, which
 * loads dist/), so build dist/ from the current sources once before any test runs. Type errors
 * are the typecheck step's business (`npm test` runs it first); tsc emits JavaScript regardless.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  })
  if (result.status !== 0 && !existsSync(`${root}/dist/cli/main.js`)) {
    throw new Error(`building dist/ failed:\n${result.stdout}${result.stderr}`)
  }
}
