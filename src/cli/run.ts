// Entry point used by bin/pggit.js (built) and `tsx src/cli/run.ts` (source).
import { main } from './main.js';

const code = await main(process.argv.slice(2), process.env);
process.exitCode = code;
