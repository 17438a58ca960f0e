// Which rows a read looks at: null for a full read, else the OIDs of each
// catalog a scoped read resolved (see closure.ts). Family readers pass their
// array as a query parameter; NULL means "all".

export interface OidFilter {
  readonly relations: readonly string[];
  readonly types: readonly string[];
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
}

export type ReadFilter = OidFilter | null;

export type FilterFamily = keyof OidFilter;

export const FILTER_FAMILIES: readonly FilterFamily[] = [
  'relations', 'types', 'routines', 'constraints', 'triggers', 'policies', 'rules', 'statistics', 'schemas',
  'extensions', 'eventTriggers', 'defaultAcls',
];

/** The query parameter for one family: null (everything) or its OIDs. */
export function oids(filter: ReadFilter, family: FilterFamily): readonly string[] | null {
  return filter === null ? null : filter[family];
}

export function isEmpty(filter: OidFilter): boolean {
  return FILTER_FAMILIES.every((family) => filter[family].length === 0);
}
