/**
 * @module analysis/response-diff/example-redaction
 * The default masking of the example values a diff finding carries into reports and the store:
 * e-mail addresses, JWTs, bearer credentials and card numbers (Luhn-valid digit runs) are
 * replaced by their kind, and long values are cut. Callers with the capture's redactor can pass
 * their own; analysis/ stays pure and keyless.
 */
import { luhn } from '../../core/pii-validators.ts'

const MAX_EXAMPLE_CHARS = 200

/** Masks personal-looking values in an example and cuts it to 200 characters. */
export function maskExample(text: string): string {
  const masked = text
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '<jwt>')
    .replace(/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 <credential>')
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, '<email>')
    .replace(/(?<![\d.])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\d.])/g, (m) => (luhn(m.replace(/\D/g, '')) ? '<card>' : m))
  return masked.length > MAX_EXAMPLE_CHARS ? `${masked.slice(0, MAX_EXAMPLE_CHARS)}…` : masked
}
