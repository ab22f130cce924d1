/**
 * @module traffic/load/arrival-schedule
 * The intended start times of an open-model run. Each phase has an arrival rate that is constant
 * or moves linearly (`rate` → `rampTo`); arrivals are placed by inverting the cumulative expected
 * count Λ(t) of the phase: constant arrivals at Λ = ½, 1½, 2½, … and Poisson arrivals at Λ = the
 * running sum of Exp(1) draws (the time-rescaling of a non-homogeneous Poisson process). The
 * schedule is lazy (one arrival at a time, nothing stored) and seeded: the same plan and seed
 * give the same times.
 */
import { createRandom, type Random } from '../template/random.ts'
import type { LoadPhase } from './load-plan.ts'

/** Expected arrivals of a phase: the area under its rate. */
export function expectedArrivals(phase: LoadPhase): number {
  return (((phase.rate + (phase.rampTo ?? phase.rate)) / 2) * phase.durationMs) / 1000
}

/** Total duration of phases, ms. */
export function scheduleDuration(phases: readonly LoadPhase[]): number {
  return phases.reduce((sum, p) => sum + p.durationMs, 0)
}

/** Time into a phase (ms) at which its expected count reaches `lambda`. */
function inverse(phase: LoadPhase, lambda: number): number {
  const a = phase.rate / 1000 // per ms at the start
  const b = (phase.rampTo ?? phase.rate) / 1000
  const c = (b - a) / (2 * phase.durationMs) // Λ(t) = a·t + c·t²
  // t = 2L / (a + √(a² + 4cL)): the root of c·t² + a·t − L = 0 without cancellation when c → 0.
  const denominator = a + Math.sqrt(Math.max(0, a * a + 4 * c * lambda))
  return denominator > 0 ? Math.min(phase.durationMs, (2 * lambda) / denominator) : 0
}

/** A lazy iterator over intended start times: call `next()`, then read `at` and `phase`. */
export class ArrivalSchedule {
  /** Intended start of the current arrival, ms from the start of the run. */
  at = 0
  /** Index of the phase of the current arrival. */
  phase = 0
  readonly totalMs: number
  readonly #phases: readonly LoadPhase[]
  readonly #areas: number[]
  readonly #random: Random
  #phaseStart = 0
  /** Expected count, from the current phase's start, at which the next arrival falls. */
  #pending: number

  constructor(phases: readonly LoadPhase[], seed: number | string) {
    this.#phases = phases
    this.#areas = phases.map(expectedArrivals)
    this.totalMs = scheduleDuration(phases)
    this.#random = createRandom(seed).fork('arrivals')
    this.#pending = this.#gap(phases[0]?.arrivals ?? 'constant', true)
  }

  #gap(mode: LoadPhase['arrivals'], first: boolean): number {
    if (mode === 'poisson') return -Math.log(1 - this.#random.next())
    return first ? 0.5 : 1
  }

  /** Advances to the next arrival; false when the schedule is over. */
  next(): boolean {
    while (this.phase < this.#phases.length) {
      const phase = this.#phases[this.phase]!
      const area = this.#areas[this.phase]!
      if (this.#pending < area) {
        this.at = this.#phaseStart + inverse(phase, this.#pending)
        this.#pending += this.#gap(phase.arrivals, false)
        return true
      }
      this.#pending -= area
      this.#phaseStart += phase.durationMs
      this.phase++
    }
    return false
  }
}
