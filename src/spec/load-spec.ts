/**
 * @module spec/load-spec
 * Reads rehearse.yaml: YAML with positions, `${env.*}` interpolation, schema validation, the
 * checks of the service graph. Every problem becomes a RehearseError naming the file, the line
 * and column, the path in the document and, for a misspelt key, the nearest valid one.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { RehearseError } from '../core/errors.ts'
import { interpolateDocument } from './interpolate.ts'
import { keysAt, toJsonSchema } from './json-schema.ts'
import { checkServices } from './service-graph.ts'
import type { BaseSpec } from './spec-schema.ts'
import { nearest } from './suggest.ts'
import { positionOf } from './yaml-positions.ts'

export const SPEC_FILE_NAMES = ['rehearse.yaml', 'rehearse.yml'] as const

export type LoadSpecOptions<S extends z.ZodType> = {
  /** The full schema (base + every module's section), composed by `rehearsal/`. */
  schema: S
  /** Directory to look in when `file` is not given. */
  cwd: string
  file?: string
  env?: Record<string, string | undefined>
  /** Deploy-time namespaces besides services/version (e.g. `data`). */
  deployNamespaces?: readonly string[]
  /** Per-request template namespaces left to the traffic module (`rand`, `pick`, …). */
  runtimeNamespaces?: readonly string[]
}

export type LoadedSpec<T> = {
  spec: T
  /** Absolute path of the file and its directory (relative paths in the spec are relative to it). */
  file: string
  dir: string
  /** The document before interpolation: safe to store (no secret values). */
  raw: unknown
  /** sha256 of the file's text. */
  hash: string
  /** Names of the secrets the spec read. */
  secrets: Set<string>
}

/** Finds the spec file: `file` if given, else rehearse.yaml (or .yml) in `cwd`. */
export function findSpecFile(cwd: string, file?: string): string {
  if (file) {
    const path = resolve(cwd, file)
    if (!existsSync(path)) {
      throw new RehearseError('SPEC_NOT_FOUND', `The spec file ${file} does not exist.`, {
        location: { file },
        hint: 'Check the path given with --file.',
      })
    }
    return path
  }
  for (const name of SPEC_FILE_NAMES) {
    const path = resolve(cwd, name)
    if (existsSync(path)) return path
  }
  throw new RehearseError('SPEC_NOT_FOUND', `No rehearse.yaml in ${cwd}.`, {
    hint: 'Run `rehearse init` to write a starter file, or point at one with --file FILE or -C DIR.',
  })
}

/** Loads, interpolates and validates a spec. Throws a RehearseError (exit 2) on any problem. */
export function loadSpec<S extends z.ZodType<BaseSpec>>(options: LoadSpecOptions<S>): LoadedSpec<z.output<S>> {
  const file = findSpecFile(options.cwd, options.file)
  const shown = relative(process.cwd(), file) || file
  const text = readFileSync(file, 'utf8')
  return parseSpecText(text, { ...options, file, shownFile: shown })
}

/** Parses spec text already read (for tests and `rehearse validate -`). */
export function parseSpecText<S extends z.ZodType<BaseSpec>>(
  text: string,
  options: LoadSpecOptions<S> & { file: string; shownFile?: string },
): LoadedSpec<z.output<S>> {
  const shownFile = options.shownFile ?? options.file
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const syntax = doc.errors[0]
  if (syntax) {
    const pos = lines.linePos(syntax.pos[0])
    throw new RehearseError('SPEC_YAML', `Invalid YAML: ${syntax.message.split('\n')[0]}`, {
      location: { file: shownFile, line: pos.line, column: pos.col },
      hint: 'Check indentation, colons and quotes at that line.',
    })
  }
  const raw: unknown = doc.toJS()
  const locate = (error: RehearseError, key = false): RehearseError => {
    const path = error.location?.path?.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)) ?? []
    const pos = positionOf(doc, lines, path, { key })
    return new RehearseError(error.code, error.message, {
      ...(error.hint ? { hint: error.hint } : {}),
      location: { file: shownFile, ...pos, ...(error.location?.path ? { path: error.location.path } : {}) },
      ...(error.details ? { details: error.details } : {}),
    })
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw locate(
      new RehearseError('SPEC_INVALID', 'The spec must be a mapping with at least name: and services:.', {
        hint: 'Run `rehearse init` for a starter file.',
      }),
    )
  }

  const serviceNames = new Set(Object.keys((raw as { services?: object }).services ?? {}))
  let interpolated: { value: unknown; secrets: Set<string> }
  try {
    interpolated = interpolateDocument(raw, {
      env: options.env ?? process.env,
      deployNamespaces: options.deployNamespaces ?? [],
      runtimeNamespaces: options.runtimeNamespaces ?? [],
      serviceNames,
    })
  } catch (error) {
    if (error instanceof RehearseError) throw locate(error)
    throw error
  }

  const parsed = options.schema.safeParse(interpolated.value)
  if (!parsed.success) {
    throw collect(
      parsed.error.issues
        .map((issue) => issueToError(issue, options.schema))
        .map((e) => locate(e, e.code === 'SPEC_UNKNOWN_KEY')),
    )
  }
  const problems = checkServices(parsed.data).map((e) => locate(e))
  if (problems.length) throw collect(problems)

  return {
    spec: parsed.data,
    file: options.file,
    dir: dirname(options.file),
    raw,
    hash: createHash('sha256').update(text).digest('hex'),
    secrets: interpolated.secrets,
  }
}

/**
 * Parses a YAML file other than the spec (a scenario file, say) against a schema, with the same
 * errors: file, line, column, the path in the document and the nearest valid key. `root` picks a
 * sub-document (`['traffic']`); paths in errors keep it.
 */
export function parseYamlWithSchema<S extends z.ZodType>(
  text: string,
  options: { schema: S; file: string; root?: string[] },
): z.output<S> {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const syntax = doc.errors[0]
  if (syntax) {
    const pos = lines.linePos(syntax.pos[0])
    throw new RehearseError('SPEC_YAML', `Invalid YAML: ${syntax.message.split('\n')[0]}`, {
      location: { file: options.file, line: pos.line, column: pos.col },
      hint: 'Check indentation, colons and quotes at that line.',
    })
  }
  const root = options.root ?? []
  let value: unknown = doc.toJS()
  for (const key of root) value = (value as Record<string, unknown> | null)?.[key]
  const parsed = options.schema.safeParse(value)
  if (parsed.success) return parsed.data
  throw collect(
    parsed.error.issues.map((issue) => {
      const error = issueToError({ ...issue, path: [...root, ...issue.path] } as z.core.$ZodIssue, options.schema, root)
      const path = error.location?.path?.split('.').map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg)) ?? []
      const pos = positionOf(doc, lines, path, { key: error.code === 'SPEC_UNKNOWN_KEY' })
      return new RehearseError(error.code, error.message, {
        ...(error.hint ? { hint: error.hint } : {}),
        location: { file: options.file, ...pos, ...(error.location?.path ? { path: error.location.path } : {}) },
      })
    }),
  )
}

/** The first problem, carrying every problem in `details.problems` for the CLI to list. */
function collect(errors: RehearseError[]): RehearseError {
  const first = errors[0]!
  if (errors.length === 1) return first
  return new RehearseError(first.code, first.message, {
    ...(first.hint ? { hint: first.hint } : {}),
    ...(first.location ? { location: first.location } : {}),
    details: { problems: errors.map((e) => e.toJSON()) },
  })
}

const schemaCache = new WeakMap<object, ReturnType<typeof toJsonSchema>>()

function issueToError(issue: z.core.$ZodIssue, schema: z.ZodType, root: string[] = []): RehearseError {
  const path = issue.path.map(String)
  const at = path.join('.')
  if (issue.code === 'unrecognized_keys') {
    let json = schemaCache.get(schema)
    if (!json) {
      json = toJsonSchema(schema)
      schemaCache.set(schema, json)
    }
    const valid = keysAt(json, issue.path.slice(root.length) as Array<string | number>).filter((k) => k !== '$schema')
    const key = issue.keys[0]!
    const suggestion = nearest(key, valid)
    return new RehearseError('SPEC_UNKNOWN_KEY', `Unknown key "${key}"${at ? ` in ${at}` : ''}.`, {
      location: { path: [...path, key].join('.') },
      hint: suggestion
        ? `Did you mean "${suggestion}"?`
        : valid.length
          ? `Valid keys here: ${valid.join(', ')}.`
          : 'Remove it; `rehearse schema` prints every key.',
    })
  }
  // zod 4 leaves `input` out of its issues unless asked; its message says what it received.
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return new RehearseError('SPEC_INVALID', `${at || 'The spec'} is required.`, {
      location: { path: at },
      hint: `Add ${path.at(-1) ?? 'it'}: (see \`rehearse schema\`).`,
    })
  }
  const message = issue.message.replace(/^Invalid input: /, '')
  return new RehearseError('SPEC_INVALID', `${at || 'The spec'}: ${message}.`, {
    location: { path: at },
    hint: 'Fix the value at that path; `rehearse schema` describes every key.',
  })
}
