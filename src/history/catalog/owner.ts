// An object's owner is part of its definition: its last line,
// `ALTER <what> OWNER TO <role>;` (ownerLine in sql.ts). Kinds without an
// owner (indexes, constraints, triggers, rules, policies, extensions, casts,
// ...) and sequences a column owns (they follow their table) have none.
const OWNER_LINE = /\nALTER [A-Z][A-Z ]* \S[^\n]* OWNER TO ([a-z_][a-z0-9_$]*|"(?:[^"]|"")+");$/;

/** The owning role as written (quoted when quote_ident quotes it), or null. */
export function ownerOf(definition: string): string | null {
  return OWNER_LINE.exec(definition)?.[1] ?? null;
}

/** The definition without its OWNER TO line: what `pggit schema --no-owners` prints. */
export function withoutOwner(definition: string): string {
  const match = OWNER_LINE.exec(definition);
  return match ? definition.slice(0, match.index) : definition;
}
