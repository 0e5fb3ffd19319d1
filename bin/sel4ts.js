#!/usr/bin/env node
// The sel4ts command. The sources are TypeScript; tsx compiles them as they load, so the
// command works straight after `npm ci` with no build step to remember.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../refinement/cli/main.ts');
process.exitCode = await main(process.argv);
