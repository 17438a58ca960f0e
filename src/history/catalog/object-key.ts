// Object keys: `<kind>:<name>` where <name> is a dot-separated list of
// identifiers written the way quote_ident writes them (double-quoted only
// when needed), so a key is unambiguous and reads like SQL:
//
//   schema:app                         extension:pgcrypto      event_trigger:audit_ddl
//   table:public.users                 view:public.active_users
//   materialized_view:public.totals    sequence:public.order_no
//   index:public.users_email_idx       statistics:public.users_stats
//   collation:public.case_insensitive
//   type:public.mood                   domain:public.email
//   function:public.add(integer,integer)   (argument types as regprocedure prints them)
//   procedure:public.archive(date)     aggregate:public.median(numeric)
//   constraint:public.orders.orders_user_fk   trigger:public.users.audit
//   policy:public.docs.tenant_isolation       rule:public.log.no_delete
//   default_acl:alice.tables           default_acl:alice.app.sequences  (role[.schema].object type)
//   shell_type:public.complex          foreign_table:public.remote_users
//   system_privileges:pg_catalog.pg_proc   (what was granted on a system table or view)
//   operator:public.===(integer,integer)   (as regoperator prints it; NONE for a prefix operator's left side)
//   operator_class:public.int4_abs_ops(btree)   operator_family:public.int4_abs_ops(btree)   (access method in parentheses)
//   text_search_parser:public.p  text_search_template:public.t  text_search_dictionary:public.d
//   text_search_configuration:public.c         conversion:public.latin1_to_utf8
//   language:plsample   access_method:heap2   foreign_data_wrapper:files   server:files_srv
//   publication:pub     subscription:sub
//   cast:(integer AS public.money2)            transform:FOR public.hstore LANGUAGE plpython3u
//   user_mapping:FOR alice SERVER files_srv    (these three: the text after the colon as it is)
import type { ObjectKind } from './model.js';

export interface ParsedKey {
  readonly kind: ObjectKind;
  /** The identifiers, unquoted. */
  readonly parts: readonly string[];
  /** For functions, procedures and aggregates: the argument list with its parentheses. */
  readonly args?: string;
}

/** Kinds a scoped read reads whole, all at once, when it reaches one of them (closure.ts). */
export const WHOLE_KINDS: ReadonlySet<ObjectKind> = new Set<ObjectKind>([
  'operator', 'operator_class', 'operator_family', 'cast', 'transform', 'conversion', 'text_search_parser',
  'text_search_template', 'text_search_dictionary', 'text_search_configuration', 'language', 'access_method',
  'foreign_data_wrapper', 'server', 'user_mapping', 'publication', 'subscription',
]);

/** Kinds whose key names no schema. */
const SCHEMA_LEVEL: ReadonlySet<ObjectKind> = new Set<ObjectKind>([
  'schema', 'extension', 'event_trigger', 'language', 'access_method', 'foreign_data_wrapper', 'server', 'publication',
  'subscription', 'cast', 'transform', 'user_mapping',
]);

/** Kinds whose key is free text after the colon rather than identifiers. */
const FREE_TEXT: ReadonlySet<ObjectKind> = new Set<ObjectKind>(['cast', 'transform', 'user_mapping']);

const KINDS: ReadonlySet<string> = new Set<ObjectKind>([
  'schema', 'extension', 'collation', 'type', 'domain', 'function', 'procedure', 'aggregate', 'sequence', 'table', 'view',
  'materialized_view', 'index', 'constraint', 'statistics', 'trigger', 'rule', 'policy', 'event_trigger', 'default_acl',
  'shell_type', 'foreign_table', 'system_privileges', ...WHOLE_KINDS,
]);

export function isSchemaLevel(kind: ObjectKind): boolean {
  return SCHEMA_LEVEL.has(kind);
}

export class KeyError extends Error {
  readonly code = 'BAD_OBJECT_KEY';
}

export function parseKey(key: string): ParsedKey {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  if (colon < 0 || !KINDS.has(kind)) throw new KeyError(`not an object key: ${key}`);
  if (FREE_TEXT.has(kind as ObjectKind)) {
    if (colon + 1 >= key.length) throw new KeyError(`empty name in key: ${key}`);
    return { kind: kind as ObjectKind, parts: [key.slice(colon + 1)] };
  }
  const parts: string[] = [];
  let at = colon + 1;
  for (;;) {
    if (key[at] === '"') {
      let name = '';
      at += 1;
      for (;;) {
        const quote = key.indexOf('"', at);
        if (quote < 0) throw new KeyError(`unterminated quoted identifier in key: ${key}`);
        name += key.slice(at, quote);
        if (key[quote + 1] === '"') {
          name += '"';
          at = quote + 2;
        } else {
          at = quote + 1;
          break;
        }
      }
      parts.push(name);
    } else {
      let end = at;
      while (end < key.length && key[end] !== '.' && key[end] !== '(') end += 1;
      if (end === at) throw new KeyError(`empty identifier in key: ${key}`);
      parts.push(key.slice(at, end));
      at = end;
    }
    if (key[at] === '.') {
      at += 1;
      continue;
    }
    break;
  }
  const rest = key.slice(at);
  if (rest && !rest.startsWith('(')) throw new KeyError(`unexpected text in key: ${key}`);
  return rest ? { kind: kind as ObjectKind, parts, args: rest } : { kind: kind as ObjectKind, parts };
}

/**
 * The name a statement would use to reach the object: the object itself for
 * relations, types and functions (without arguments), the table for
 * constraints, triggers, policies and rules; null schema for schema-level
 * objects (schemas, extensions, event triggers); null for default ACLs.
 */
export function anchorOf(key: string): { readonly schema: string | null; readonly name: string } | null {
  const { kind, parts } = parseKey(key);
  if (kind === 'default_acl') return null;
  return isSchemaLevel(kind) ? { schema: null, name: parts[0]! } : { schema: parts[0]!, name: parts[1]! };
}

/** The schema a key lives in (unquoted), or null for schema-level kinds. */
export function schemaOfKey(key: string): string | null {
  const { kind, parts } = parseKey(key);
  if (kind === 'schema') return parts[0]!;
  if (isSchemaLevel(kind)) return null;
  if (kind === 'default_acl') return parts.length === 3 ? parts[1]! : null;
  return parts[0]!;
}
