// Which catalog objects a change set can have touched: the names its
// statements mention (both names of a rename, the table of a trigger or
// column). Undefined means "read the whole catalog".
import type { ChangeSet, DdlObject } from '../ddl/index.js';
import type { ScopeName } from './catalog/index.js';

type ScopeKind = NonNullable<ScopeName['kind']>;

const KIND_OF_OBJTYPE: Readonly<Record<string, ScopeKind>> = {
  table: 'relation',
  'foreign table': 'relation',
  view: 'relation',
  'materialized view': 'relation',
  index: 'relation',
  sequence: 'relation',
  column: 'relation',
  trigger: 'relation',
  policy: 'relation',
  rule: 'relation',
  constraint: 'relation',
  statistics: 'relation',
  type: 'type',
  domain: 'type',
  function: 'function',
  procedure: 'function',
  aggregate: 'function',
  routine: 'function',
  schema: 'schema',
  extension: 'extension',
  'event trigger': 'event_trigger',
  // Kinds a scoped read reads whole (catalog WHOLE_KINDS): the name does not matter.
  operator: 'other',
  'operator class': 'other',
  'operator family': 'other',
  'operator family member': 'other',
  'operator family function': 'other',
  cast: 'other',
  transform: 'other',
  conversion: 'other',
  'text search parser': 'other',
  'text search template': 'other',
  'text search dictionary': 'other',
  'text search configuration': 'other',
  language: 'other',
  'access method': 'other',
  'foreign data wrapper': 'other',
  server: 'other',
  'user mapping': 'other',
  publication: 'other',
  'publication schema': 'other',
  'publication table': 'other',
  subscription: 'other',
};

export function scopeOfChangeSet(changeSet: Pick<ChangeSet, 'statements' | 'mayContainUnseenDdl'>): ScopeName[] | undefined {
  if (changeSet.mayContainUnseenDdl) return undefined;
  const names: ScopeName[] = [];
  for (const statement of changeSet.statements) {
    if (statement.unparsed) return undefined;
    if (statement.kind === 'ALTER DEFAULT PRIVILEGES') {
      names.push({ name: '', kind: 'default_acl' });
      continue;
    }
    if (!statement.objects || statement.objects.length === 0) return undefined;
    for (const object of statement.objects) {
      const name = scopeName(object);
      if (!name) return undefined;
      names.push(name);
    }
  }
  return names;
}

function scopeName(object: DdlObject): ScopeName | undefined {
  const kind = KIND_OF_OBJTYPE[object.objtype];
  // Objects this list does not know (roles, tablespaces, ...) are found by a full read.
  if (!kind) return undefined;
  let name = object.name;
  const on = name.lastIndexOf(' ON ');
  if (on >= 0) name = name.slice(on + 4); // "trigger ON table" -> the table
  else if (object.objtype === 'column') name = name.slice(0, name.lastIndexOf('.')); // "table.column"
  return object.schema === undefined ? { name, kind } : { schema: object.schema, name, kind };
}
