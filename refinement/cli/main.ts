/**
 * The `sel4ts` command line: check, replay, boot, bench.
 *
 * @module
 */
import { Command, CommanderError } from 'commander';
import type { CheckCommandOptions } from './check.js';
import { DEFAULT_RUNS } from './defaults.js';

// Defaults shown in --help; the subcommands load the kernels only when they run.
const DEFAULT_STEPS = 60;
const DEFAULT_MIN_COVERAGE = 10;

/** Ends a subcommand with `status` (0 = success) as the process exit code. */
function exitWith(status: number): void {
  if (status !== 0) throw new CommanderError(status, 'sel4ts.failed', `exit status ${status}`);
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
    .option('--runs <n>', 'traces to generate', String(DEFAULT_RUNS))
    .option('--seed <s>', 'fast-check seed (default: random; printed)')
    .option('--entry <name>', 'focus on one entry: a label (UntypedRetype, CNodeMint, ...), syscall or event')
    .option('--json', 'print one JSON object instead of text')
    .option('--report <dir>', 'also write an HTML report to <dir>/index.html')
    .option('--steps <n>', 'most kernel entries per trace', String(DEFAULT_STEPS))
    .option('--kernel <name>', 'the kernel held to the spec: impl, or spec (a self-check of the checker)', 'impl')
    .option('--min-coverage <n>', 'outcome count below which a coverage cell is a gap', String(DEFAULT_MIN_COVERAGE))
    .option('--no-fastpath-gate', 'list fastpath gaps without failing (by default a full-size, unfocused check fails when a fastpath path or fallback reason was never exercised)')
    .action(async (opts: CheckCommandOptions) => {
      const { checkCommand } = await import('./check.js');
      exitWith(await checkCommand(opts));
    });
  cli
    .command('replay')
    .description('re-run one failing trace from its replay token, printing each step')
    .argument('<token>', 'the replay token a failing check printed')
    .action(async (token: string) => {
      const { replayCommand } = await import('./replay.js');
      exitWith(replayCommand(token));
    });
  cli
    .command('boot')
    .description('boot the kernel and print the state the root task starts in')
    .action(async () => {
      const { bootCommand } = await import('./boot.js');
      exitWith(bootCommand());
    });
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
