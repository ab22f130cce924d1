/**
 * @module spec/interpolate
 * `${…}` references in rehearse.yaml. Two kinds are resolved at different times:
 * - at load time: `${env.NAME}`, `${env.NAME:-default}` and `${secret.NAME}` (read from the
 *   environment; a secret's value is never written back to the stored spec);
 * - at deploy time, once addresses are known: `${services.NAME.url|host|port}`, `${version.name}`,
 *   `${version.label}` and `${data.*}` references (validated at load time, resolved by `resolveDeployRefs`).
 * Names of per-request template functions (`${rand.int(1,20)}`, `${pick(skus.csv)}`) belong to the
 * traffic module; the loader passes them in `runtimeNamespaces` and leaves them untouched.
 * `$${` writes a literal `${`.
 */
import { RehearseError } from '../core/errors.ts'

const REF = /\$\$\{|\$\{([^}]*)\}/g

export type Reference = { expr: string; namespace: string; start: number; end: number }

/** The `${…}` references of one string, in order (escaped `$${` skipped). */
export function findReferences(text: string): Reference[] {
  const refs: Reference[] = []
  for (const m of text.matchAll(REF)) {
    if (m[0] === '$${') continue
    const expr = m[1]!.trim()
    const namespace = /^[A-Za-z_][\w-]*/.exec(expr)?.[0] ?? ''
    refs.push({ expr, namespace, start: m.index, end: m.index + m[0].length })
  }
  return refs
}

function replaceReferences(text: string, replace: (ref: Reference) => string | undefined): string {
  return text.replace(REF, (whole: string, inner: string | undefined, offset: number) => {
    if (whole === '$${') return '$${'
    const expr = inner!.trim()
    const namespace = /^[A-Za-z_][\w-]*/.exec(expr)?.[0] ?? ''
    const value = replace({ expr, namespace, start: offset, end: offset + whole.length })
    return value ?? whole
  })
}

export type LoadTimeContext = {
  env: Record<string, string | undefined>
  /** Namespaces resolved later by the pipeline (`services`, `version`, `data`). */
  deployNamespaces: readonly string[]
  /** Namespaces of per-request template functions, left to the traffic module. */
  runtimeNamespaces: readonly string[]
  /** Services declared in the spec, to check `${services.X…}`. */
  serviceNames: ReadonlySet<string>
}

const SERVICE_FIELDS = ['url', 'host', 'port'] as const
const VERSION_FIELDS = ['name', 'label'] as const

/**
 * Resolves load-time references of every string in a parsed document (a new value is returned)
 * and checks the rest. Errors carry the document path; the loader adds the file and line.
 * Also returns the names of secrets read, so that callers can keep them out of logs.
 */
export function interpolateDocument(doc: unknown, ctx: LoadTimeContext): { value: unknown; secrets: Set<string> } {
  const secrets = new Set<string>()
  const walk = (node: unknown, path: Array<string | number>): unknown => {
    if (typeof node === 'string') return interpolateString(node, path, ctx, secrets)
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]))
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(node)) out[key] = walk(value, [...path, key])
      return out
    }
    return node
  }
  return { value: walk(doc, []), secrets }
}

function interpolateString(
  text: string,
  path: Array<string | number>,
  ctx: LoadTimeContext,
  secrets: Set<string>,
): string {
  if (!text.includes('${')) return text
  const at = path.join('.')
  return replaceReferences(text, (ref) => {
    const { expr, namespace } = ref
    if (namespace === 'env' || namespace === 'secret') {
      const m = /^(env|secret)\.([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(expr)
      if (!m) {
        throw new RehearseError('SPEC_UNKNOWN_REFERENCE', `\${${expr}} is not a valid ${namespace} reference.`, {
          location: { path: at },
          hint: `Write \${${namespace}.NAME} or \${${namespace}.NAME:-default}.`,
        })
      }
      const value = ctx.env[m[2]!]
      if (value !== undefined && value !== '') {
        if (namespace === 'secret') secrets.add(m[2]!)
        return value
      }
      if (m[3] !== undefined) return m[3]
      throw new RehearseError('SPEC_MISSING_ENV', `\${${expr}} refers to ${m[2]}, which is not set.`, {
        location: { path: at },
        hint: `Set ${m[2]} in the environment, or give a default: \${${namespace}.${m[2]}:-value}.`,
      })
    }
    if (namespace === 'services') {
      const m = /^services\.([a-z][a-z0-9-]*)\.(\w+)$/.exec(expr)
      if (!m || !(SERVICE_FIELDS as readonly string[]).includes(m[2]!)) {
        throw new RehearseError('SPEC_UNKNOWN_REFERENCE', `\${${expr}} is not a valid service reference.`, {
          location: { path: at },
          hint: `Write \${services.NAME.url}, \${services.NAME.host} or \${services.NAME.port}.`,
        })
      }
      if (!ctx.serviceNames.has(m[1]!)) {
        throw new RehearseError('SPEC_UNKNOWN_SERVICE', `\${${expr}} names a service "${m[1]}" that is not declared.`, {
          location: { path: at },
          hint: `Declared services: ${[...ctx.serviceNames].join(', ')}.`,
        })
      }
      return undefined
    }
    if (namespace === 'version') {
      const field = /^version\.(\w+)$/.exec(expr)?.[1]
      if (!field || !(VERSION_FIELDS as readonly string[]).includes(field)) {
        throw new RehearseError('SPEC_UNKNOWN_REFERENCE', `\${${expr}} is not a valid version reference.`, {
          location: { path: at },
          hint: 'Write ${version.name} (baseline or candidate) or ${version.label}.',
        })
      }
      return undefined
    }
    if (ctx.deployNamespaces.includes(namespace) || ctx.runtimeNamespaces.includes(namespace)) return undefined
    const known = ['env', 'secret', 'services', 'version', ...ctx.deployNamespaces, ...ctx.runtimeNamespaces]
    throw new RehearseError(
      'SPEC_UNKNOWN_REFERENCE',
      `\${${expr}} refers to "${namespace}", which Rehearse does not know.`,
      {
        location: { path: at },
        hint: `References start with one of: ${[...new Set(known)].join(', ')}. Write $\${ for a literal "\${".`,
      },
    )
  })
}

export type DeployContext = {
  /** The address of a service as seen from the instance being configured. */
  service(name: string): { host: string; port: number; url: string }
  version: { name: string; label: string }
  /** Values for other deploy-time namespaces, by dotted expression (`data.target.url`). */
  values?: Record<string, string>
}

/** Resolves deploy-time references (`${services.api.url}`, `${version.name}`) in one string. */
export function resolveDeployRefs(text: string, ctx: DeployContext): string {
  if (!text.includes('${')) return text
  return replaceReferences(text, ({ expr, namespace }) => {
    if (namespace === 'services') {
      const [, name, field] = expr.split('.') as [string, string, 'url' | 'host' | 'port']
      const address = ctx.service(name)
      return String(address[field])
    }
    if (namespace === 'version') return expr === 'version.name' ? ctx.version.name : ctx.version.label
    return ctx.values?.[expr]
  }).replaceAll('$${', '${')
}
