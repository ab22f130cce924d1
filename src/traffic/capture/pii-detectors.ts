/**
 * @module traffic/capture/pii-detectors
 * Finds values that look personal or secret in free text: JWTs, bearer/basic credentials, e-mail
 * addresses, IBANs (mod-97 checked), card numbers (Luhn checked, issuer-like first digit) and
 * phone numbers. Pattern plus checksum keeps false positives rare enough for bodies full of ids
 * and timestamps; what is found is replaced through a callback, so the caller decides the token.
 */
import { isIban, luhn } from '../../core/pii-validators.ts'

/** The detectors, in the order they run (a JWT is found before it could look like a bearer token). */
export const DETECTORS = ['jwt', 'bearer', 'email', 'iban', 'card', 'phone'] as const
export type DetectorName = (typeof DETECTORS)[number]

/** Replaces one found value; `value` is the secret part only (a bearer token without "Bearer "). */
export type Replace = (rule: DetectorName, value: string) => string

type Detector = {
  name: DetectorName
  pattern: RegExp
  /** Replacement of a whole match; returns the match unchanged to reject it. */
  apply(match: RegExpExecArray, replace: Replace): string
}

const whole =
  (name: DetectorName, accept: (value: string) => boolean = () => true) =>
  (m: RegExpExecArray, replace: Replace) =>
    accept(m[0]) ? replace(name, m[0]) : m[0]

const detectors: Detector[] = [
  {
    name: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    apply: whole('jwt'),
  },
  {
    name: 'bearer',
    pattern: /\b(Bearer|Basic|Token|Digest)(\s+)([A-Za-z0-9._~+/=-]{8,})/gi,
    // "Basic authentication" is prose, "Basic dXNlcjpwYXNz" a credential: want a digit, a symbol or mixed case.
    apply: (m, replace) =>
      /[\d._~+/=-]/.test(m[3]!) || (/[A-Z]/.test(m[3]!.slice(1)) && /[a-z]/.test(m[3]!))
        ? `${m[1]}${m[2]}${replace('bearer', m[3]!)}`
        : m[0],
  },
  {
    name: 'email',
    pattern: /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
    apply: whole('email'),
  },
  {
    name: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    apply: whole('iban', (v) => isIban(v.replaceAll(' ', ''))),
  },
  {
    name: 'card',
    pattern: /(?<![\d.])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\d.])/g,
    apply: whole('card', (v) => {
      const digits = v.replace(/\D/g, '')
      return digits.length >= 13 && digits.length <= 19 && luhn(digits)
    }),
  },
  {
    name: 'phone',
    pattern:
      /(?<![\w+:./%-])(?:\+\d{9,15}(?!\w)|(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,5}){1,4}(?![\w:/]|[.-]\d))/g,
    apply: whole('phone', isPhone),
  },
]

/** Runs the enabled detectors over `text`, leaving alone whatever `protect` matches (earlier tokens). */
export function detectInText(
  text: string,
  enabled: ReadonlySet<DetectorName>,
  replace: Replace,
  protect: RegExp,
): string {
  let out = text
  for (const detector of detectors) {
    if (!enabled.has(detector.name)) continue
    out = outside(out, protect, (segment) =>
      segment.replace(detector.pattern, (...args: unknown[]) => {
        // String.replace hands over the match pieces; rebuild an exec-like array for the detector.
        const groups = args.slice(0, -2) as string[]
        const match = Object.assign([...groups], { index: 0, input: segment }) as unknown as RegExpExecArray
        return detector.apply(match, replace)
      }),
    )
  }
  return out
}

/** Applies `fn` to the parts of `text` that `protect` does not match. */
function outside(text: string, protect: RegExp, fn: (segment: string) => string): string {
  protect.lastIndex = 0
  let out = ''
  let last = 0
  for (let m = protect.exec(text); m; m = protect.exec(text)) {
    out += fn(text.slice(last, m.index)) + m[0]
    last = m.index + m[0].length
    if (m[0].length === 0) protect.lastIndex++
  }
  return out + fn(text.slice(last))
}

/** A phone-like candidate: 9–15 digits, written the way phone numbers are (not a date, IP or version). */
function isPhone(value: string): boolean {
  const digits = value.replace(/\D/g, '')
  if (digits.length < 9 || digits.length > 15) return false
  if (value.startsWith('+') || value.includes('(')) return true
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) return false
  if (/^[\d.]+$/.test(value)) return /^\d{3}\.\d{3}\.\d{4}$/.test(value)
  return value.split(/[ -]/).length >= 3
}
