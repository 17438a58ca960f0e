// The catalog snapshot's vocabulary: one SchemaObject per thing a schema
// script would create, named by a stable key and carrying the canonical SQL
// that recreates it.

export type ObjectKind =
  | 'schema'
  | 'extension'
  | 'collation'
  | 'type' // enum, composite, range
  | 'domain'
  | 'function'
  | 'procedure'
  | 'aggregate'
  | 'sequence'
  | 'table' // ordinary, partitioned, partitions, inheritance children; columns are part of it
  | 'view'
  | 'materialized_view'
  | 'index' // only indexes that do not back a constraint
  | 'constraint' // primary key, unique, foreign key, check, exclusion
  | 'statistics'
  | 'trigger'
  | 'rule'
  | 'policy'
  | 'event_trigger'
  | 'default_acl'
  // Base types written in C come in two objects: the shell (CREATE TYPE x;)
  // their I/O functions need, and the type itself.
  | 'shell_type'
  | 'foreign_table'
  // GRANT/REVOKE on a table or view of pg_catalog (system-privileges.ts)
  | 'system_privileges'
  // Read whole by every scoped read that reaches one of them (closure.ts).
  | 'operator'
  | 'operator_class'
  | 'operator_family'
  | 'cast'
  | 'transform'
  | 'conversion'
  | 'text_search_parser'
  | 'text_search_template'
  | 'text_search_dictionary'
  | 'text_search_configuration'
  | 'language'
  | 'access_method'
  | 'foreign_data_wrapper'
  | 'server'
  | 'user_mapping'
  | 'publication'
  | 'subscription';

export interface SchemaObject {
  /** Stable identity, e.g. `table:public.users`, `function:public.add(integer,integer)`. See object-key.ts. */
  readonly key: string;
  readonly kind: ObjectKind;
  /** Schema the object lives in (unquoted); null for schemas, extensions, event triggers, default ACLs. */
  readonly schema: string | null;
  /** The object's own name (unquoted); for functions without the argument list. */
  readonly name: string;
  /**
   * Canonical, deterministic SQL that recreates the object in a database where
   * what it depends on exists: its CREATE (or ALTER ... ADD), then its comments,
   * then its privileges as GRANT/REVOKE relative to the defaults a new object
   * gets. Every name is schema-qualified; it runs under search_path = ''.
   */
  readonly definition: string;
  /** Keys of the objects this one needs to exist first, sorted. */
  readonly dependsOn: readonly string[];
}

/** A name a statement mentions; schema undefined means "resolve through search_path". */
export interface ScopeName {
  readonly schema?: string;
  readonly name: string;
  /**
   * What the name is, when the caller knows it. Without it every reading is
   * tried (a schema, a relation, a type, a function, an extension, ...).
   * `default_acl` ignores name and covers every ALTER DEFAULT PRIVILEGES entry;
   * `other` ignores name and covers every object of the kinds a scoped read
   * reads whole (WHOLE_KINDS in object-key.ts: operators, casts, text search,
   * foreign data wrappers, publications, ...).
   */
  readonly kind?: 'schema' | 'relation' | 'type' | 'function' | 'extension' | 'event_trigger' | 'default_acl' | 'other';
}

export interface SnapshotScope {
  /** Relations, types, functions, schemas, ... named by the statements. */
  readonly names: readonly ScopeName[];
  /**
   * Objects to read again exactly, without what depends on them: each is
   * returned if it (or, for a function key, an overload of that name) still
   * exists and is covered either way. expandScope fills this in.
   */
  readonly keys?: readonly string[];
  /**
   * Schemas an unqualified name is looked up in: the search_path of the
   * session that ran the statements, or every user schema (when that path
   * is unknown). Defaults to current_schemas(false) of the connection that
   * reads the catalog.
   */
  readonly searchPath?: readonly string[] | 'user schemas';
}

/** A qualified name a scoped read looked at; schema null for a schema-level name. */
export interface ScopeRoot {
  readonly schema: string | null;
  readonly name: string;
  readonly kind?: ScopeName['kind'];
}

export interface ScopedRead {
  /** The named objects that exist plus every object that depends on them. */
  readonly objects: SchemaObject[];
  /** Every qualified name the read resolved the scope to, found or not. */
  readonly roots: readonly ScopeRoot[];
  /** The keys the scope asked to read again exactly, found or not. */
  readonly keys: readonly string[];
}

export interface SchemaDiff {
  readonly added: SchemaObject[];
  readonly removed: SchemaObject[];
  readonly changed: Array<{ readonly before: SchemaObject; readonly after: SchemaObject }>;
}
