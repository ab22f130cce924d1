/**
 * @module cli/commands/spec
 * `rehearse validate`, `rehearse schema`, `rehearse init`: the spec file itself.
 */
import { relative } from 'node:path'
import type { Command } from 'commander'
import { initSpec } from '../../rehearsal/init-spec.ts'
import { loadRehearsalSpec, rehearsalJsonSchema } from '../../rehearsal/rehearsal-spec.ts'
import type { CliContext } from '../main.ts'
import { paint } from '../output.ts'

export function registerSpecCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  program
    .command('validate')
    .description('check rehearse.yaml against the schema and the service graph')
    .action((_opts, command: Command) => {
      const ctx = context(command)
      const loaded = loadRehearsalSpec(ctx.cwd, ctx.file)
      const services = Object.keys(loaded.spec.services)
      if (ctx.output.json) {
        ctx.output.out(JSON.stringify({ valid: true, file: loaded.file, name: loaded.spec.name, services }, null, 2))
      } else {
        ctx.output.out(
          `${paint(ctx.output, 'green', '✓')} ${relative(process.cwd(), loaded.file) || loaded.file} is valid: project ${loaded.spec.name}, ${services.length} service${services.length === 1 ? '' : 's'} (${services.join(', ')})`,
        )
      }
      setExit(0)
    })

  program
    .command('schema')
    .description('print the JSON Schema of rehearse.yaml (for editors)')
    .action((_opts, command: Command) => {
      const ctx = context(command)
      ctx.output.out(JSON.stringify(rehearsalJsonSchema(), null, 2))
      setExit(0)
    })

  program
    .command('init')
    .description('write a commented starter rehearse.yaml')
    .option('--force', 'overwrite an existing file')
    .option('--name <name>', 'the project name (default: the directory name)')
    .action((opts: { force?: boolean; name?: string }, command: Command) => {
      const ctx = context(command)
      const path = initSpec({ cwd: ctx.cwd, file: ctx.file, force: Boolean(opts.force), name: opts.name })
      if (ctx.output.json) ctx.output.out(JSON.stringify({ written: path }, null, 2))
      else
        ctx.output.out(
          `wrote ${relative(process.cwd(), path) || path} — edit the services, then run \`rehearse validate\``,
        )
      setExit(0)
    })
}
