/**
 * The `sel4ts` command line: check, replay, boot, bench.
 *
 * @module
 */
import { Command, CommanderError } from 'commander';

/** Prints that a subcommand belongs to a later slice and fails; never a fake success. */
function notYetAvailable(name: string): never {
  process.stderr.write(
    `sel4ts ${name}: not yet available. This subcommand arrives with the kernel slices ` +
      `(see the open issues); nothing was run.\n`,
  );
  throw new CommanderError(3, 'sel4ts.notYetAvailable', `${name} not yet available`);
}

/** Builds the command tree. */
export function program(): Command {
  const cli = new Command('sel4ts')
    .description('seL4 as an executable spec, an optimized implementation, and refinement checks')
    .exitOverride()
    .showHelpAfterError();

  cli
    .command('check')
    .description('run spec and impl in lock-step over generated kernel entries; report divergences')
    .action(() => notYetAvailable('check'));
  cli
    .command('replay')
    .description('re-run one failing trace from its replay token, printing each step')
    .argument('<token>', 'the replay token a failing check printed')
    .action(() => notYetAvailable('replay'));
  cli
    .command('boot')
    .description('boot the kernel and print the state the root task starts in')
    .action(() => notYetAvailable('boot'));
  cli
    .command('bench')
    .description('measure the hardware model and kernels; print a table, or JSON with --json')
    .option('--json', 'print one JSON object instead of the table')
    .option('--filter <text>', 'run only the benchmarks whose name contains this text')
    .action(async (opts: { json?: boolean; filter?: string }) => {
      const { runBench } = await import('../bench/index.js');
      await runBench({ json: opts.json === true, filter: opts.filter });
    });
  return cli;
}

/** Runs the CLI on `argv` and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
}
