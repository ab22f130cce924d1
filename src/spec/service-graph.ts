/**
 * @module spec/service-graph
 * Checks of the services that a schema cannot express: `dependsOn` names a declared service, no
 * dependency cycle, no two services on one fixed port, version overrides name declared services,
 * and every service has something to run. Also the start order used by drivers.
 */
import { RehearseError } from '../core/errors.ts'
import type { BaseSpec } from './spec-schema.ts'

/** Every problem found, in document order; the loader reports them with their lines. */
export function checkServices(spec: BaseSpec): RehearseError[] {
  const problems: RehearseError[] = []
  const names = new Set(Object.keys(spec.services))
  const list = [...names].join(', ')
  const ports = new Map<number, string>()

  for (const [name, service] of Object.entries(spec.services)) {
    service.dependsOn.forEach((dep, i) => {
      if (!names.has(dep)) {
        problems.push(
          new RehearseError('SPEC_UNKNOWN_SERVICE', `Service "${name}" depends on "${dep}", which is not declared.`, {
            location: { path: `services.${name}.dependsOn.${i}` },
            hint: `Declared services: ${list}.`,
          }),
        )
      }
    })
    if (typeof service.port === 'number') {
      const other = ports.get(service.port)
      if (other) {
        problems.push(
          new RehearseError(
            'SPEC_DUPLICATE_PORT',
            `Services "${other}" and "${name}" both ask for port ${service.port}.`,
            {
              location: { path: `services.${name}.port` },
              hint: 'Give one of them another port, or write port: auto.',
            },
          ),
        )
      } else ports.set(service.port, name)
    }
    for (const version of ['baseline', 'candidate'] as const) {
      const override = spec.versions[version].services[name]
      if (!(override?.command ?? service.command) && !(override?.image ?? service.image)) {
        problems.push(
          new RehearseError('SPEC_INVALID', `Service "${name}" has no command to run (in the ${version}).`, {
            location: { path: `services.${name}` },
            hint: `Add command: to services.${name} (e.g. command: node server.js).`,
          }),
        )
        break
      }
    }
  }

  for (const version of ['baseline', 'candidate'] as const) {
    for (const name of Object.keys(spec.versions[version].services)) {
      if (!names.has(name)) {
        problems.push(
          new RehearseError(
            'SPEC_UNKNOWN_SERVICE',
            `versions.${version} changes "${name}", which is not a declared service.`,
            {
              location: { path: `versions.${version}.services.${name}` },
              hint: `Declared services: ${list}.`,
            },
          ),
        )
      }
    }
  }

  const cycle = findCycle(spec)
  if (cycle) {
    problems.push(
      new RehearseError('SPEC_DEPENDENCY_CYCLE', `Services depend on each other in a cycle: ${cycle.join(' → ')}.`, {
        location: { path: `services.${cycle[0]}.dependsOn` },
        hint: 'Remove one dependsOn edge of the cycle.',
      }),
    )
  }
  return problems
}

function findCycle(spec: BaseSpec): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name]
    state.set(name, 'visiting')
    stack.push(name)
    for (const dep of spec.services[name]?.dependsOn ?? []) {
      if (!(dep in spec.services)) continue
      const cycle = visit(dep)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(name, 'done')
    return undefined
  }
  for (const name of Object.keys(spec.services)) {
    const cycle = visit(name)
    if (cycle) return cycle
  }
  return undefined
}

/** Services that differ between baseline and candidate (they run twice, side by side). */
export function versionedServices(spec: BaseSpec): string[] {
  const { baseline, candidate } = spec.versions
  const changed = new Set([...Object.keys(baseline.services), ...Object.keys(candidate.services)])
  if (baseline.ref !== undefined || candidate.ref !== undefined) {
    for (const name of Object.keys(spec.services)) changed.add(name)
  }
  return Object.keys(spec.services).filter((name) => changed.has(name))
}
