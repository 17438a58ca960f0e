// SQL fragments shared by the family readers. Every catalog query runs with
// search_path = '' (see session.ts), so pg_catalog is searched implicitly and
// pg_get_*def, format_type and regclass/regprocedure output qualify every
// user name.

/** Objects with an OID below this were made by initdb. */
export const FIRST_USER_OID = 16384;

/** True when the namespace row aliased `n` is a user schema. */
export function userSchema(n: string): string {
  return `(${n}.nspname NOT IN ('pg_catalog', 'information_schema') AND ${n}.nspname !~ '^pg_(toast|temp_|toast_temp_)')`;
}

/** True when the object (catalog, oid) is not a member of an extension. */
export function notExtensionMember(catalog: string, oid: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;
}

/** `schema.name`, each part quoted by quote_ident. */
export function qualified(schema: string, name: string): string {
  return `quote_ident(${schema}) || '.' || quote_ident(${name})`;
}

/**
 * Where a family query is narrowed to the OIDs of a scoped read: a marker
 * that familyStatement (statement.ts) turns into `true` for a full read and
 * into `oid = ANY($1)` for a scoped one.
 */
export function inFilter(oid: string): string {
  return `/*filter:${oid}*/`;
}

/** The comment on (catalog, oid, subid), or null. */
export function commentOf(catalog: string, oid: string, subid = '0'): string {
  return `(SELECT d.description FROM pg_description d WHERE d.classoid = '${catalog}'::regclass AND d.objoid = ${oid} AND d.objsubid = ${subid})`;
}

/** `COMMENT ON <target> IS '...';` when the object has a comment, else null. */
export function commentLine(target: string, catalog: string, oid: string, subid = '0'): string {
  return `(SELECT format('COMMENT ON %s IS %L;', ${target}, d.description) FROM pg_description d WHERE d.classoid = '${catalog}'::regclass AND d.objoid = ${oid} AND d.objsubid = ${subid})`;
}

/**
 * How a grantee is written: PUBLIC, CURRENT_USER for the object's owner
 * (a replay grants as whoever runs it, who owns the object until the OWNER
 * TO line at the end hands it and the owner's privileges over), otherwise
 * the role's quoted name.
 */
function grantee(role: string, owner: string, namedOwner: boolean): string {
  const asCurrentUser = namedOwner ? '' : `WHEN ${role} = ${owner} THEN 'CURRENT_USER' `;
  return `CASE WHEN ${role} = 0 THEN 'PUBLIC' ${asCurrentUser}ELSE quote_ident(pg_get_userbyid(${role})) END`;
}

export interface AclSpec {
  /** The aclitem[] column; null means "the default". */
  readonly acl: string;
  readonly owner: string;
  /** acldefault's object type letter: r (relations), s (sequences), f (routines), n (schemas), T (types). */
  readonly type?: string;
  /** The object type as an SQL expression, instead of type. */
  readonly typeSql?: string;
  /** SQL text expression naming the target, e.g. `'TABLE ' || ...`. */
  readonly target: string;
  /** What a freshly created object has; acldefault(type, owner) unless given. */
  readonly baseline?: string;
  /** SQL text expression put before GRANT/REVOKE (ALTER DEFAULT PRIVILEGES ...). */
  readonly prefix?: string;
  /** Write the owner's own entries with its name instead of CURRENT_USER (an object the replay does not create). */
  readonly namedOwner?: boolean;
  /** SQL text expression: the quoted column the privileges are on (`SELECT (col)`). */
  readonly column?: string;
}

/**
 * GRANT and REVOKE lines that turn the privileges a new object gets into the
 * ones it has: REVOKE for defaults it lost, GRANT for what it gained, one line
 * per grantee (and grant option), privileges sorted. Grantors are not kept:
 * a replay grants everything as the owner. Null when there is nothing to say.
 */
export function aclLines(spec: AclSpec): string {
  const type = spec.typeSql ?? `'${spec.type}'`;
  const base = spec.baseline ?? `acldefault(${type}, ${spec.owner})`;
  const current = `coalesce(${spec.acl}, acldefault(${type}, ${spec.owner}))`;
  const prefix = spec.prefix ?? `''`;
  const named = spec.namedOwner ?? false;
  const on = (privilege: string): string => (spec.column ? `${privilege} || ' (' || ${spec.column} || ')'` : privilege);
  // GRANTs keep the order of the ACL (grantees in the order they were first
  // granted), which is what a replay reproduces and pg_dump prints.
  return `(SELECT string_agg(acl_l.line, E'\\n' ORDER BY acl_l.ord, acl_l.pos, acl_l.line) FROM (
      SELECT 0 AS ord, min(acl_r.pos) AS pos, format('%sREVOKE %s ON %s FROM %s;', ${prefix}, string_agg(${on('acl_r.privilege_type')}, ', ' ORDER BY acl_r.privilege_type), ${spec.target}, ${grantee('acl_r.grantee', spec.owner, named)}) AS line
      FROM (SELECT acl_b.grantee, acl_b.privilege_type, acl_b.pos FROM aclexplode(${base}) WITH ORDINALITY AS acl_b(grantor, grantee, privilege_type, is_grantable, pos)
            WHERE (acl_b.grantee, acl_b.privilege_type) NOT IN (SELECT acl_c.grantee, acl_c.privilege_type FROM aclexplode(${current}) acl_c)) acl_r
      GROUP BY acl_r.grantee
      UNION ALL
      SELECT 1, min(acl_g.pos), format('%sGRANT %s ON %s TO %s%s;', ${prefix}, string_agg(${on('acl_g.privilege_type')}, ', ' ORDER BY acl_g.privilege_type), ${spec.target}, ${grantee('acl_g.grantee', spec.owner, named)}, CASE WHEN acl_g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
      FROM (SELECT acl_c.grantee, acl_c.privilege_type, acl_c.is_grantable, acl_c.pos FROM aclexplode(${current}) WITH ORDINALITY AS acl_c(grantor, grantee, privilege_type, is_grantable, pos)
            WHERE (acl_c.grantee, acl_c.privilege_type, acl_c.is_grantable) NOT IN (SELECT acl_b.grantee, acl_b.privilege_type, acl_b.is_grantable FROM aclexplode(${base}) acl_b)) acl_g
      GROUP BY acl_g.grantee, acl_g.is_grantable
    ) acl_l)`;
}

/**
 * Column-level GRANT lines of relation `rel` (an oid expression) named
 * `target` (`TABLE x.y`): per column, one line per grantee in ACL order.
 */
export function columnAclLines(rel: string, owner: string, target: string): string {
  return `(SELECT string_agg(acl_l.line, E'\\n' ORDER BY acl_l.attnum, acl_l.pos) FROM (
      SELECT acl_a.attnum, min(acl_x.pos) AS pos, format('GRANT %s ON %s TO %s%s;', string_agg(acl_x.privilege_type || ' (' || quote_ident(acl_a.attname) || ')', ', ' ORDER BY acl_x.privilege_type), ${target}, ${grantee('acl_x.grantee', owner, false)}, CASE WHEN acl_x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS line
      FROM pg_attribute acl_a CROSS JOIN LATERAL aclexplode(acl_a.attacl) WITH ORDINALITY AS acl_x(grantor, grantee, privilege_type, is_grantable, pos)
      WHERE acl_a.attrelid = ${rel} AND acl_a.attnum > 0 AND NOT acl_a.attisdropped AND acl_a.attacl IS NOT NULL
      GROUP BY acl_a.attnum, acl_x.grantee, acl_x.is_grantable
    ) acl_l)`;
}

/**
 * `ALTER <target> OWNER TO <role>;` as an SQL expression. It is always the
 * last line of a definition (owner.ts), after the grants: a replay creates
 * and grants as whoever runs it, then hands the object over, and the
 * owner's own privileges go along with it.
 */
export function ownerLine(target: string, owner: string): string {
  return `format('ALTER %s OWNER TO %s;', ${target}, quote_ident(pg_get_userbyid(${owner})))`;
}

/** Joins non-empty SQL pieces with newlines. */
export function lines(...parts: ReadonlyArray<string | null | undefined>): string {
  return parts.filter((part): part is string => typeof part === 'string' && part.length > 0).join('\n');
}

/** A string literal as quote_literal writes it (E'' when there are backslashes). */
export function quoteLiteral(text: string): string {
  const body = text.replace(/'/g, "''");
  return text.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** Collation name, qualified, when it differs from the type's own; for `COLLATE`. */
export function collationSql(collation: string, typeCollation: string): string {
  return `CASE WHEN ${collation} <> 0 AND ${collation} <> ${typeCollation} THEN (SELECT ${qualified('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = ${collation}) END`;
}

/** A parenthesised list's body, one item per line (empty for none). */
export function list(items: readonly string[]): string {
  return items.length === 0 ? '' : `\n    ${items.join(',\n    ')}\n`;
}
