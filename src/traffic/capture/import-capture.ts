/**
 * @module traffic/capture/import-capture
 * `rehearse capture import`: converts a HAR or GoReplay file (or re-redacts an existing capture)
 * into the capture format, with the same sampling and redaction as a live capture. The output is
 * written through a temporary file, so a malformed input leaves no output behind.
 */
import { extname } from 'node:path'
import { abortError, RehearseError, throwIfAborted } from '../../core/errors.ts'
import type { CapturedExchange, RedactionSummary } from './capture.ts'
import { DEFAULT_MAX_BODY_BYTES } from './capture-format.ts'
import { openMaybeGzip, readCapture } from './capture-reader.ts'
import { createSampler, type SamplingConfig } from './capture-sampler.ts'
import { createCaptureWriter } from './capture-writer.ts'
import { readGor } from './gor.ts'
import { readHar } from './har.ts'
import { type ImportSourceOptions, type ImportTally, newTally } from './import-source.ts'
import { createRedactor, type RedactionConfig } from './redactor.ts'

export const IMPORT_FORMATS = ['har', 'gor', 'capture'] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

export type ImportOptions = ImportSourceOptions & {
  /** Input format; `auto` (default) looks at the content, then the extension. */
  format?: ImportFormat | 'auto'
  redaction?: RedactionConfig
  sampling?: SamplingConfig
  /** Compress the output with gzip; by default when it ends in `.gz`. */
  gzip?: boolean
  /** Source of randomness for sampling (tests). */
  random?: () => number
}

export type ImportResult = ImportTally & {
  format: ImportFormat
  input: string
  output: string
  /** Exchanges written. */
  exchanges: number
  /** Exchanges left out by sampling. */
  sampledOut: number
  redactions: RedactionSummary
}

/** Imports `inputPath` into the capture `outputPath`; nothing is written unless it all succeeds. */
export async function importCapture(
  inputPath: string,
  outputPath: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const { signal } = options
  throwIfAborted(signal)
  const format = !options.format || options.format === 'auto' ? await detectFormat(inputPath, signal) : options.format
  const maxBodyBytes = options.maxBodyBytes ?? options.redaction?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const source = { ...options, maxBodyBytes }
  const tally = newTally()
  const exchanges: AsyncIterable<CapturedExchange> =
    format === 'har'
      ? readHar(inputPath, source, tally)
      : format === 'gor'
        ? readGor(inputPath, source, tally)
        : recordsOf(inputPath, source, tally)
  const redactor = createRedactor({ ...options.redaction, maxBodyBytes })
  const sampler = createSampler(options.sampling, options.random)
  const writer = await createCaptureWriter(outputPath, {
    ...(options.gzip === undefined ? {} : { gzip: options.gzip }),
    ...(signal ? { signal } : {}),
  })
  let sampledOut = 0
  try {
    for await (const exchange of exchanges) {
      if (!sampler.sample(exchange.request.headers)) {
        sampledOut++
        continue
      }
      await writer.write(redactor.redactExchange(exchange))
    }
    await writer.close()
  } catch (error) {
    await writer.abort()
    // Streams fail with their own AbortError; the caller gets the one Rehearse error for it.
    throw signal?.aborted ? abortError(signal) : error
  }
  return {
    ...tally,
    format,
    input: inputPath,
    output: outputPath,
    exchanges: writer.count,
    sampledOut,
    redactions: redactor.summary(),
  }
}

async function* recordsOf(
  path: string,
  options: ImportSourceOptions,
  tally: ImportTally,
): AsyncGenerator<CapturedExchange> {
  for await (const { exchange } of readCapture(path, options.signal ? { signal: options.signal } : {})) {
    tally.read++
    yield exchange
  }
}

/** Tells HAR, GoReplay and capture files apart by their first bytes (decompressed), then by extension. */
export async function detectFormat(path: string, signal?: AbortSignal): Promise<ImportFormat> {
  const head = await readHead(path, 4096, signal)
  if (/^\s*\{\s*"log"\s*:/.test(head)) return 'har'
  if (/^\s*\{\s*"v"\s*:\s*1\b/.test(head)) return 'capture'
  if (/^[123] [0-9A-Za-z-]+ \d+/.test(head)) return 'gor'
  if (head.startsWith('PK')) {
    throw new RehearseError('CAPTURE_FORMAT_UNKNOWN', `${path} is a zip archive.`, {
      location: { file: path },
      hint: 'Playwright writes a .zip when recordHar.path ends in .zip: unzip it and import the .har inside (its resources next to it).',
    })
  }
  const ext = extname(path.replace(/\.gz$/, '')).toLowerCase()
  if (ext === '.har') return 'har'
  if (ext === '.gor') return 'gor'
  if (ext === '.jsonl') return 'capture'
  throw new RehearseError('CAPTURE_FORMAT_UNKNOWN', `Cannot tell what kind of file ${path} is.`, {
    location: { file: path },
    hint: 'Pass --format har, --format gor or --format capture.',
  })
}

async function readHead(path: string, bytes: number, signal?: AbortSignal): Promise<string> {
  const { stream } = await openMaybeGzip(path, signal)
  const chunks: Buffer[] = []
  let length = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk)
      length += chunk.length
      if (length >= bytes) break
    }
  } catch {
    // A corrupt stream: decide from what was read; the real read reports the error with its line.
    throwIfAborted(signal)
  } finally {
    stream.destroy()
  }
  return Buffer.concat(chunks).subarray(0, bytes).toString('utf8')
}
