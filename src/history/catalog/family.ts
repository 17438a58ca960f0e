// What every family reader returns: objects without their pg_depend
// dependencies (dependencies.ts adds those for all families at once), plus
// any the family knows that pg_depend does not record.
import type { ReadFilter } from './filter.js';
import type { SchemaObject } from './model.js';
import type { CatalogQuery } from './session.js';

export interface CatalogObject extends Omit<SchemaObject, 'dependsOn'> {
  readonly requires?: readonly string[];
}

export type FamilyReader = (query: CatalogQuery, filter: ReadFilter) => Promise<CatalogObject[]>;
