/**
 * @module data/keys/masking-key
 * The masking key and the per-domain keys derived from it. The key comes from an environment
 * variable or a secret file; it is never written anywhere. What is recorded is its *key id*, a hash
 * of a hash of it, which tells two syncs made with the same key apart from two made with different
 * keys and reveals nothing about the key itself.
 *
 * Every transformer works in a named data domain (`email`, `key:customers.id`, …). A domain's key is
 * HMAC-SHA256(masking key, "rehearse/v1/<purpose>/<domain>"): the same value masks the same way in
 * every table and in every database engine that uses the same domain, and differently in another.
 */
import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { inspect } from 'node:util'
import { RehearseError } from '../../core/errors.ts'
import { KeyedPermutation } from './keyed-permutation.ts'
import { type SipKey, sipHash24, sipKey, sipOut } from './siphash.ts'

/** The environment variable read when the spec names no key. */
export const DEFAULT_KEY_ENV = 'REHEARSE_MASKING_KEY'

/** Shortest key accepted, in bytes: anything shorter can be guessed. */
export const MIN_KEY_BYTES = 16

/** Where the masking key comes from. `value` is what `${secret.NAME}` resolved to. */
export type KeySource = { env: string } | { file: string } | { value: string }

/**
 * Loads the key. Throws DATA_KEY_MISSING when the variable or file is absent, DATA_KEY_WEAK when it
 * is shorter than 16 bytes. The error messages name the variable or file, never the key.
 */
export function loadMaskingKey(
  source: KeySource | undefined,
  options: { env?: NodeJS.ProcessEnv; baseDir?: string } = {},
): MaskingKey {
  const env = options.env ?? process.env
  const from = source ?? { env: DEFAULT_KEY_ENV }
  let text: string | undefined
  let where: string
  if ('env' in from) {
    where = `environment variable ${from.env}`
    text = env[from.env]
  } else if ('file' in from) {
    const path = isAbsolute(from.file) ? from.file : resolve(options.baseDir ?? process.cwd(), from.file)
    where = `secret file ${from.file}`
    try {
      text = readFileSync(path, 'utf8').replace(/\r?\n$/, '')
    } catch (cause) {
      throw new RehearseError('DATA_KEY_MISSING', `The masking key's ${where} cannot be read.`, {
        hint: 'Create the file (e.g. `openssl rand -base64 32 > FILE`, mode 600) or point data.key at another source.',
        cause,
      })
    }
  } else {
    where = 'data.key'
    text = from.value
  }
  if (text === undefined || text === '') {
    throw new RehearseError('DATA_KEY_MISSING', `No masking key: ${where} is not set.`, {
      hint: `Set it to a long random secret, e.g. \`export ${'env' in from ? from.env : DEFAULT_KEY_ENV}=$(openssl rand -base64 32)\`.`,
    })
  }
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length < MIN_KEY_BYTES) {
    throw new RehearseError('DATA_KEY_WEAK', `The masking key from ${where} has fewer than ${MIN_KEY_BYTES} bytes.`, {
      hint: 'Use a long random secret: `openssl rand -base64 32`.',
    })
  }
  return new MaskingKey(bytes)
}

/** The masking key. It prints and serialises as its id only. */
export class MaskingKey {
  /** A hash of a hash of the key: safe to record in manifests and logs. */
  readonly id: string
  readonly #secret: Buffer
  readonly #domains = new Map<string, DataDomain>()

  constructor(secret: Uint8Array) {
    this.#secret = Buffer.from(secret)
    const inner = createHash('sha256').update(this.#secret).digest()
    this.id = createHash('sha256').update('rehearse/key-id/').update(inner).digest('hex').slice(0, 16)
  }

  /** The domain `name` for a purpose (`mask`, `leak`, …): derived once, then cached. */
  domain(name: string, purpose = 'mask'): DataDomain {
    const id = `${purpose}/${name}`
    let domain = this.#domains.get(id)
    if (!domain) {
      const derived = createHmac('sha256', this.#secret).update(`rehearse/v1/${id}`).digest()
      domain = new DataDomain(name, derived)
      this.#domains.set(id, domain)
    }
    return domain
  }

  toJSON(): { id: string } {
    return { id: this.id }
  }

  [inspect.custom](): string {
    return `MaskingKey { id: '${this.id}' }`
  }
}

// One scratch buffer for encoding values before hashing; grown when a value does not fit.
let scratch = Buffer.alloc(1024)

/** Encodes `tag` (one byte) followed by `value` as UTF-8 into the scratch buffer; returns the length. */
function encode(tag: number, value: string): number {
  const len = value.length
  if (len * 3 + 1 > scratch.length) scratch = Buffer.alloc(len * 3 + 64)
  scratch[0] = tag
  // Short ASCII values (most keys and names) in a plain loop: cheaper than a call into the encoder.
  if (len <= 64) {
    let i = 0
    for (; i < len; i++) {
      const c = value.charCodeAt(i)
      if (c >= 0x80) break
      scratch[i + 1] = c
    }
    if (i === len) return len + 1
  }
  return 1 + scratch.write(value, 1, 'utf8')
}

/** A data domain: the keyed functions every transformer of that domain shares. */
export class DataDomain {
  readonly name: string
  readonly #sip: SipKey
  readonly #derived: Buffer
  #permutation: KeyedPermutation | undefined

  constructor(name: string, derived: Buffer) {
    this.name = name
    this.#derived = derived
    this.#sip = sipKey(derived.subarray(16, 32))
  }

  /**
   * The keyed 64-bit PRF (SipHash-2-4) of `value` under a one-byte `tag` that separates the uses
   * of one domain (which word list, which offset). Returns the low 32 bits; `sipOut` has all 64.
   */
  prf(value: string, tag = 0): number {
    return sipHash24(this.#sip, scratch, encode(tag, value))
  }

  /** A keyed integer in [0, n) for `value`, n ≤ 2^32 (53 bits of the PRF, so the bias is negligible). */
  pick(value: string, n: number, tag = 0): number {
    return Math.floor((this.random53(value, tag) / 2 ** 53) * n)
  }

  /** A keyed uniform number in [0, 1). */
  uniform(value: string, tag = 0): number {
    return this.random53(value, tag) / 2 ** 53
  }

  /** A keyed integer in [0, 2^53). */
  random53(value: string, tag = 0): number {
    this.prf(value, tag)
    return (sipOut.hi >>> 11) * 4294967296 + sipOut.lo
  }

  /** HMAC-SHA256 of `value` under the domain's key, hex (for the `hash` transformer). */
  hmacHex(value: string): string {
    return createHmac('sha256', this.#derived).update(value, 'utf8').digest('hex')
  }

  /** The domain's bijective keyed permutation (format-preserving keys). */
  get permutation(): KeyedPermutation {
    this.#permutation ??= new KeyedPermutation(this.#derived, this.#sip)
    return this.#permutation
  }

  [inspect.custom](): string {
    return `DataDomain { name: '${this.name}' }`
  }
}
