/**
 * @module data/transformers/transform-error
 * The errors transformers throw. They name the table and column, never the value: the value is
 * exactly what must not end up in a log.
 */
import { RehearseError } from '../../core/errors.ts'
import type { TransformerContext } from '../transformer.ts'

/** A value the transformer cannot mask (DATA_TRANSFORM_FAILED). */
export function transformFailed(context: TransformerContext, reason: string, cause?: unknown): RehearseError {
  return new RehearseError(
    'DATA_TRANSFORM_FAILED',
    `Cannot mask ${context.table.name}.${context.column.name}: ${reason}.`,
    {
      hint: 'Choose a transformer that fits every value of the column, or clean the data at the source. Staging is untouched.',
      details: { table: context.table.name, column: context.column.name },
      ...(cause === undefined ? {} : { cause }),
    },
  )
}

/** A transformer that does not fit its column (DATA_TRANSFORMER_INVALID), found while planning. */
export function transformerInvalid(
  context: Pick<TransformerContext, 'table' | 'column'>,
  reason: string,
): RehearseError {
  return new RehearseError(
    'DATA_TRANSFORMER_INVALID',
    `The transformer for ${context.table.name}.${context.column.name} does not fit: ${reason}.`,
    {
      hint: 'See docs/data.md for the transformers and the column types each accepts.',
      details: { table: context.table.name, column: context.column.name },
    },
  )
}
