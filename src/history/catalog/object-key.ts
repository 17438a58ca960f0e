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
import type { ObjectKind } from './model.js';

export interface ParsedKey {
  readonly kind: ObjectKind;
  /** The identifiers, unquoted. */
  readonly parts: readonly string[];
  /** For functions, procedures and aggregates: the argument list with its parentheses. */
  readonly args?: string;
}

const KINDS: ReadonlySet<string> = new Set<ObjectKind>([
  'schema', 'extension', 'collation', 'type', 'domain', 'function', 'procedure', 'aggregate', 'sequence', 'table', 'view',
  'materialized_view', 'index', 'constraint', 'statistics', 'trigger', 'rule', 'policy', 'event_trigger', 'default_acl',
]);

export class KeyError extends Error {
  readonly code = 'BAD_OBJECT_KEY';
}

export function parseKey(key: string): ParsedKey {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  if (colon < 0 || !KINDS.has(kind)) throw new KeyError(`not an object key: ${key}`);
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
  switch (kind) {
    case 'schema':
    case 'extension':
    case 'event_trigger':
      return { schema: null, name: parts[0]! };
    case 'default_acl':
      return null;
    default:
      return { schema: parts[0]!, name: parts[1]! };
  }
}

/** The schema a key lives in (unquoted), or null for schema-level kinds. */
export function schemaOfKey(key: string): string | null {
  const { kind, parts } = parseKey(key);
  if (kind === 'schema') return parts[0]!;
  if (kind === 'extension' || kind === 'event_trigger') return null;
  if (kind === 'default_acl') return parts.length === 3 ? parts[1]! : null;
  return parts[0]!;
}
