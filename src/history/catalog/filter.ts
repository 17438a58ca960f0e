// Which rows a read looks at: null for a full read, else the OIDs of each
// catalog a scoped read resolved (see closure.ts). A family reader passes its
// array to the scoped form of its query (statement.ts).

export interface OidFilter {
  readonly relations: readonly string[];
  // The relations again, by the reader that writes them (relkind, or
  // pg_catalog). A reader of relations reads with `relations`; a scoped
  // read skips it when its part is empty, as it would find nothing.
  readonly tables: readonly string[];
  readonly views: readonly string[];
  readonly sequences: readonly string[];
  readonly indexes: readonly string[];
  /** Relations in pg_catalog (GRANTs on them: system-privileges.ts). */
  readonly systemRelations: readonly string[];
  readonly types: readonly string[];
  readonly collations: readonly string[];
  readonly routines: readonly string[];
  readonly constraints: readonly string[];
  readonly triggers: readonly string[];
  readonly policies: readonly string[];
  readonly rules: readonly string[];
  readonly statistics: readonly string[];
  readonly schemas: readonly string[];
  readonly extensions: readonly string[];
  readonly eventTriggers: readonly string[];
  readonly defaultAcls: readonly string[];
  /** Non-empty: read every object of the kinds read whole (WHOLE_KINDS). */
  readonly whole: readonly string[];
}

export type ReadFilter = OidFilter | null;

export type FilterFamily = keyof OidFilter;

export const FILTER_FAMILIES: readonly FilterFamily[] = [
  'relations', 'tables', 'views', 'sequences', 'indexes', 'systemRelations', 'types', 'collations', 'routines', 'constraints', 'triggers', 'policies', 'rules', 'statistics', 'schemas',
  'extensions', 'eventTriggers', 'defaultAcls', 'whole',
];

export function isEmpty(filter: OidFilter): boolean {
  return FILTER_FAMILIES.every((family) => filter[family].length === 0);
}
