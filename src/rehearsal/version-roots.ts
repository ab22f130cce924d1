/**
 * @module rehearsal/version-roots
 * A version given as a git ref runs from a worktree of that ref: `.rehearse/worktrees/<sha>`,
 * made once with `git worktree add --detach` and reused. Its services resolve relative paths
 * against the same sub-directory of the worktree as the spec's directory in the checkout.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { RehearseError } from '../core/errors.ts'
import { VERSIONS, type VersionName } from '../core/types.ts'
import type { LoadedSpec } from '../spec/load-spec.ts'
import type { RehearsalSpec } from './rehearsal-spec.ts'

const run = promisify(execFile)

async function git(cwd: string, args: string[], signal: AbortSignal): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', cwd, ...args], { signal, encoding: 'utf8' })
    return stdout.trim()
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim()
    throw new RehearseError('SPEC_INVALID', `git ${args.join(' ')} failed: ${stderr.split('\n')[0]}`, {
      hint: 'versions.*.ref must name a commit, branch or tag of the repository that holds rehearse.yaml.',
      cause: error,
    })
  }
}

export async function prepareVersionRoots(
  loaded: LoadedSpec<RehearsalSpec>,
  stateRoot: string,
  signal: AbortSignal,
): Promise<{ dirs: Partial<Record<VersionName, string>>; labels: Partial<Record<VersionName, string>> }> {
  const dirs: Partial<Record<VersionName, string>> = {}
  const labels: Partial<Record<VersionName, string>> = {}
  for (const version of VERSIONS) {
    const spec = loaded.spec.versions[version]
    if (spec.label) labels[version] = spec.label
    if (!spec.ref) continue
    const top = await git(loaded.dir, ['rev-parse', '--show-toplevel'], signal)
    const sha = await git(loaded.dir, ['rev-parse', '--verify', `${spec.ref}^{commit}`], signal)
    const worktree = join(stateRoot, 'worktrees', sha.slice(0, 12))
    if (!existsSync(worktree)) await git(top, ['worktree', 'add', '--detach', worktree, sha], signal)
    dirs[version] = join(worktree, relative(top, loaded.dir))
    labels[version] ??= `${spec.ref} (${sha.slice(0, 7)})`
  }
  return { dirs, labels }
}
