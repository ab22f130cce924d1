/**
 * @module drivers/plan-order
 * The order in which a plan's instances start and stop, for every driver: an instance starts once
 * everything it depends on is healthy, and stops before what it depends on. The spec loader has
 * already rejected unknown names and cycles with line numbers; a plan that still has them was
 * built wrongly, so `checkPlan` reports it as INTERNAL.
 */
import { RehearseError } from '../core/errors.ts'
import type { EnvironmentPlan } from './driver.ts'

type Node = { instance: string; dependsOn: readonly string[] }

/** Throws INTERNAL when instance names repeat, a dependency is not in the plan, or dependencies form a cycle. */
export function checkPlan(plan: EnvironmentPlan): void {
  const names = new Set<string>()
  for (const { instance } of plan.services) {
    if (names.has(instance)) throw planError(plan, `instance "${instance}" appears twice`)
    names.add(instance)
  }
  for (const { instance, dependsOn } of plan.services) {
    for (const dep of dependsOn) {
      if (!names.has(dep)) throw planError(plan, `"${instance}" depends on "${dep}", which is not in the plan`)
    }
  }
  const cycle = findCycle(plan.services)
  if (cycle) throw planError(plan, `dependencies form a cycle: ${cycle.join(' → ')}`)
}

/**
 * Groups of instances in the order they should be stopped: dependents first, each group's members
 * independent of each other (they may stop in parallel). Unknown dependencies are ignored.
 */
export function stopLevels(nodes: readonly Node[]): string[][] {
  const byName = new Map(nodes.map((node) => [node.instance, node]))
  const depth = new Map<string, number>()
  const depthOf = (name: string, seen: Set<string>): number => {
    const known = depth.get(name)
    if (known !== undefined) return known
    const node = byName.get(name)
    if (!node || seen.has(name)) return 0
    seen.add(name)
    let d = 0
    for (const dep of node.dependsOn) if (byName.has(dep)) d = Math.max(d, depthOf(dep, seen) + 1)
    depth.set(name, d)
    return d
  }
  const levels: string[][] = []
  for (const node of nodes) {
    const d = depthOf(node.instance, new Set())
    while (levels.length <= d) levels.push([])
    levels[d]!.push(node.instance)
  }
  return levels.reverse().filter((level) => level.length > 0)
}

function findCycle(nodes: readonly Node[]): string[] | undefined {
  const byName = new Map(nodes.map((node) => [node.instance, node]))
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name]
    state.set(name, 'visiting')
    stack.push(name)
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dep)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(name, 'done')
    return undefined
  }
  for (const node of nodes) {
    const cycle = visit(node.instance)
    if (cycle) return cycle
  }
  return undefined
}

function planError(plan: EnvironmentPlan, problem: string): RehearseError {
  return new RehearseError('INTERNAL', `The environment plan "${plan.id}" is inconsistent: ${problem}.`, {
    hint: 'This is a bug in how the plan was built from the spec; please report it.',
  })
}
