// pgbench straight to PostgreSQL over TCP: the baseline every ratio divides by.
import type { BenchPath } from './path.js';

export const DIRECT = 'direct';

export const directPath: BenchPath = {
  name: DIRECT,
  description: 'PostgreSQL, no proxy (TCP)',
  async start(context) {
    return { host: context.upstream.host, port: context.upstream.port, stop: async () => undefined };
  },
};
