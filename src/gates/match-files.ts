/**
 * @module gates/match-files
 * Report files named by glob in gate options (`reports/*.sarif`, `reports/junit/**\/*.xml`),
 * relative to the spec's directory.
 */
import { glob } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'
import { z } from 'zod'

/** One glob or a list of them; parses to a list. */
export const globsField = () =>
  z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
      error: 'expected a glob such as reports/*.xml, or a list of them',
    })
    .transform((value) => (Array.isArray(value) ? value : [value]))

/** The files matching any of the patterns, as absolute paths, sorted, each once. */
export async function matchFiles(patterns: readonly string[], dir: string): Promise<string[]> {
  const found = new Set<string>()
  for (const pattern of patterns) {
    for await (const entry of glob(pattern, { cwd: dir, withFileTypes: true })) {
      if (entry.isFile()) found.add(resolve(entry.parentPath, entry.name))
    }
  }
  return [...found].sort()
}

/** A path as people read it in reasons: relative to the spec's directory when inside it. */
export function shownPath(file: string, dir: string): string {
  const rel = relative(dir, file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}
