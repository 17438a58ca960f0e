// Where an observed commit looks up the unqualified names of its
// statements. The session's search_path (SET, SET LOCAL, startup options,
// role and database defaults, set_config, a function's SET clause) is not
// visible to the proxy's own connection; looking in every user schema (the
// scoped read's searchPath 'user schemas') finds
// the object wherever it went, and the same name in other schemas reads
// back unchanged (see the README, "search_path").
import type { ScopeName } from './catalog/index.js';

/** An unqualified name that the session's search_path resolved (to a schema the proxy cannot know). */
export function resolvedThroughPath(name: ScopeName): boolean {
  return name.schema === undefined && (name.kind === undefined || name.kind === 'relation' || name.kind === 'type' || name.kind === 'function');
}
