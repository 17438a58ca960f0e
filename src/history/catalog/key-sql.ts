// Object keys for arbitrary catalog rows, set-based: the dependency reader
// needs the key of both ends of every pg_depend row it reads. Rows that are
// part of a bigger object map to that object's key (a column default to its
// table, a view's _RETURN rule to the view, a domain's constraint to the
// domain, an array or multirange type to its element or range, a row type to
// its relation, a composite type's relation to the type, an identity
// sequence to its table, a constraint's index to the constraint, a range's
// constructor function to the range); extension members map to their
// extension; rows of kinds the snapshot does not record (copies a parent
// makes: inherited checks, cloned foreign keys and triggers; internal
// triggers) and system objects map to NULL. The family readers build the
// same keys.
import { FIRST_USER_OID, qualified, userSchema } from './sql.js';

const CLASS = "'pg_class'::regclass::oid";
const TYPE = "'pg_type'::regclass::oid";

/**
 * CTEs (to put after WITH, after `source`) that end in
 * keys(classid, objid, key) for every row (classid, objid) of CTE `source`.
 * Every step is an index lookup per row (LATERAL, OFFSET 0 so that the
 * planner cannot turn it into a join over a whole catalog), so the plan
 * does not depend on the catalogs' statistics or size. The steps are MATERIALIZED: planned
 * one by one instead of as one join of all their lookups, the statement
 * plans in a fraction of the time (what a read on a connection without
 * prepared statements pays every time) and starts faster.
 */
export function keysCte(source: string): string {
  return `
key_step1 AS MATERIALIZED (
  SELECT o.classid, o.objid,
    CASE WHEN ad.oid IS NOT NULL OR rw.oid IS NOT NULL THEN ${CLASS} WHEN dc.oid IS NOT NULL OR pi.objid IS NOT NULL THEN ${TYPE}
      WHEN om.refclassid IS NOT NULL THEN om.refclassid WHEN pr.pub IS NOT NULL THEN 'pg_publication'::regclass::oid ELSE o.classid END AS cls,
    CASE WHEN ad.oid IS NOT NULL THEN ad.adrelid WHEN rw.oid IS NOT NULL THEN rw.ev_class WHEN dc.oid IS NOT NULL THEN dc.contypid
      WHEN pi.objid IS NOT NULL THEN pi.refobjid WHEN om.refclassid IS NOT NULL THEN om.refobjid WHEN pr.pub IS NOT NULL THEN pr.pub
      ELSE o.objid END AS obj
  FROM ${source} o
    -- an operator class's or family's member belongs to it
    LEFT JOIN LATERAL (SELECT d.refclassid, d.refobjid FROM pg_depend d WHERE o.classid IN ('pg_amop'::regclass, 'pg_amproc'::regclass)
      AND d.classid = o.classid AND d.objid = o.objid AND d.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass) LIMIT 1) om ON true
    -- a publication's table or schema belongs to the publication
    LEFT JOIN LATERAL (SELECT r.prpubid AS pub FROM pg_publication_rel r WHERE o.classid = 'pg_publication_rel'::regclass AND r.oid = o.objid
      UNION ALL SELECT pn.pnpubid FROM pg_publication_namespace pn WHERE o.classid = 'pg_publication_namespace'::regclass AND pn.oid = o.objid) pr ON true
    LEFT JOIN LATERAL (SELECT ad.oid, ad.adrelid FROM pg_attrdef ad WHERE o.classid = 'pg_attrdef'::regclass AND ad.oid = o.objid OFFSET 0) ad ON true
    LEFT JOIN LATERAL (SELECT rw.oid, rw.ev_class FROM pg_rewrite rw
      WHERE o.classid = 'pg_rewrite'::regclass AND rw.oid = o.objid AND rw.rulename = '_RETURN' OFFSET 0) rw ON true
    LEFT JOIN LATERAL (SELECT dc.oid, dc.contypid FROM pg_constraint dc
      WHERE o.classid = 'pg_constraint'::regclass AND dc.oid = o.objid AND dc.contypid <> 0 OFFSET 0) dc ON true
    LEFT JOIN LATERAL (SELECT d.objid, d.refobjid FROM pg_depend d WHERE o.classid = 'pg_proc'::regclass AND d.classid = 'pg_proc'::regclass
      AND d.objid = o.objid AND d.deptype = 'i' AND d.refclassid = 'pg_type'::regclass LIMIT 1) pi ON true
),
key_step2 AS MATERIALIZED (
  SELECT k.classid, k.objid, k.cls,
    CASE WHEN t.oid IS NULL THEN k.obj WHEN t.typelem <> 0 AND el.typarray = t.oid THEN t.typelem
      WHEN t.typtype = 'm' THEN rg.rngtypid ELSE t.oid END AS obj
  FROM key_step1 k
    LEFT JOIN LATERAL (SELECT t.oid, t.typelem, t.typtype FROM pg_type t WHERE k.cls = ${TYPE} AND t.oid = k.obj OFFSET 0) t ON true
    LEFT JOIN LATERAL (SELECT el.typarray FROM pg_type el WHERE el.oid = t.typelem OFFSET 0) el ON true
    LEFT JOIN LATERAL (SELECT rg.rngtypid FROM pg_range rg WHERE t.typtype = 'm' AND rg.rngmultitypid = t.oid OFFSET 0) rg ON true
),
key_step3 AS MATERIALIZED (
  SELECT k.classid, k.objid,
    CASE WHEN rt.oid IS NOT NULL THEN ${CLASS} WHEN cc.oid IS NOT NULL THEN ${TYPE} ELSE k.cls END AS cls,
    CASE WHEN rt.oid IS NOT NULL THEN rt.oid WHEN cc.oid IS NOT NULL THEN cc.reltype ELSE k.obj END AS obj
  FROM key_step2 k
    LEFT JOIN LATERAL (SELECT rt.oid FROM pg_type t JOIN pg_class rt ON rt.oid = t.typrelid
      WHERE k.cls = ${TYPE} AND t.oid = k.obj AND rt.relkind <> 'c' OFFSET 0) rt ON true
    LEFT JOIN LATERAL (SELECT cc.oid, cc.reltype FROM pg_class cc WHERE k.cls = ${CLASS} AND cc.oid = k.obj AND cc.relkind = 'c' OFFSET 0) cc ON true
),
key_step4 AS MATERIALIZED (
  SELECT k.classid, k.objid,
    CASE WHEN idn.refobjid IS NOT NULL THEN ${CLASS} WHEN ik.oid IS NOT NULL THEN 'pg_constraint'::regclass::oid ELSE k.cls END AS cls,
    CASE WHEN idn.refobjid IS NOT NULL THEN idn.refobjid WHEN ik.oid IS NOT NULL THEN ik.oid ELSE k.obj END AS obj
  FROM key_step3 k
    LEFT JOIN LATERAL (SELECT d.refobjid FROM pg_class s JOIN pg_depend d ON d.classid = ${CLASS} AND d.objid = s.oid
      AND d.refclassid = ${CLASS} AND d.deptype = 'i' WHERE k.cls = ${CLASS} AND s.oid = k.obj AND s.relkind = 'S' LIMIT 1) idn ON true
    LEFT JOIN LATERAL (SELECT c.oid FROM pg_index ix JOIN pg_constraint c ON c.conrelid = ix.indrelid AND c.conindid = ix.indexrelid
      WHERE k.cls = ${CLASS} AND ix.indexrelid = k.obj AND c.contype IN ('p', 'u', 'x') LIMIT 1) ik ON true
),
keys AS (
  SELECT k.classid, k.objid, coalesce(
    (SELECT 'extension:' || quote_ident(x.extname) FROM pg_depend e JOIN pg_extension x ON x.oid = e.refobjid
      WHERE e.classid = k.cls AND e.objid = k.obj AND e.deptype = 'e' AND e.refclassid = 'pg_extension'::regclass LIMIT 1),
    CASE k.cls
      WHEN ${CLASS} THEN (SELECT CASE WHEN NOT ${userSchema('n')} THEN NULL
          WHEN c.relkind IN ('r', 'p') THEN 'table:' WHEN c.relkind = 'v' THEN 'view:' WHEN c.relkind = 'm' THEN 'materialized_view:'
          WHEN c.relkind = 'S' THEN 'sequence:' WHEN c.relkind IN ('i', 'I') THEN 'index:' WHEN c.relkind = 'f' THEN 'foreign_table:' END || ${qualified('n.nspname', 'c.relname')}
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = k.obj)
      WHEN ${TYPE} THEN (SELECT CASE WHEN NOT ${userSchema('n')} THEN NULL WHEN t.typtype = 'd' THEN 'domain:' ELSE 'type:' END
          || ${qualified('n.nspname', 't.typname')}
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = k.obj)
      WHEN 'pg_proc'::regclass::oid THEN (SELECT CASE WHEN NOT ${userSchema('n')} THEN NULL
          WHEN p.prokind = 'a' THEN 'aggregate:' WHEN p.prokind = 'p' THEN 'procedure:' ELSE 'function:' END || p.oid::regprocedure::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = k.obj)
      WHEN 'pg_constraint'::regclass::oid THEN (SELECT CASE WHEN NOT ${userSchema('n')} THEN NULL
          WHEN (c.contype = 'c' AND NOT c.conislocal) OR (c.contype = 'f' AND c.conparentid <> 0) OR c.contype NOT IN ('p', 'u', 'f', 'c', 'x') THEN NULL
          ELSE 'constraint:' || ${qualified('n.nspname', 't.relname')} || '.' || quote_ident(c.conname) END
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE c.oid = k.obj)
      WHEN 'pg_rewrite'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'rule:' || ${qualified('n.nspname', 't.relname')} || '.' || quote_ident(w.rulename) END
        FROM pg_rewrite w JOIN pg_class t ON t.oid = w.ev_class JOIN pg_namespace n ON n.oid = t.relnamespace WHERE w.oid = k.obj)
      WHEN 'pg_trigger'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} AND NOT g.tgisinternal AND g.tgparentid = 0
          THEN 'trigger:' || ${qualified('n.nspname', 't.relname')} || '.' || quote_ident(g.tgname) END
        FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE g.oid = k.obj)
      WHEN 'pg_policy'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'policy:' || ${qualified('n.nspname', 't.relname')} || '.' || quote_ident(o.polname) END
        FROM pg_policy o JOIN pg_class t ON t.oid = o.polrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE o.oid = k.obj)
      WHEN 'pg_statistic_ext'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'statistics:' || ${qualified('n.nspname', 's.stxname')} END
        FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE s.oid = k.obj)
      WHEN 'pg_namespace'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'schema:' || quote_ident(n.nspname) END
        FROM pg_namespace n WHERE n.oid = k.obj)
      WHEN 'pg_extension'::regclass::oid THEN (SELECT 'extension:' || quote_ident(x.extname) FROM pg_extension x WHERE x.oid = k.obj)
      WHEN 'pg_collation'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'collation:' || ${qualified('n.nspname', 'c.collname')} END
        FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE c.oid = k.obj)
      WHEN 'pg_event_trigger'::regclass::oid THEN (SELECT 'event_trigger:' || quote_ident(v.evtname) FROM pg_event_trigger v WHERE v.oid = k.obj)
      WHEN 'pg_operator'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'operator:' || o.oid::regoperator::text END
        FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE o.oid = k.obj)
      WHEN 'pg_opclass'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'operator_class:' || ${qualified('n.nspname', 'c.opcname')}
          || '(' || quote_ident(am.amname) || ')' END
        FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace JOIN pg_am am ON am.oid = c.opcmethod WHERE c.oid = k.obj)
      WHEN 'pg_opfamily'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'operator_family:' || ${qualified('n.nspname', 'f.opfname')}
          || '(' || quote_ident(am.amname) || ')' END
        FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace JOIN pg_am am ON am.oid = f.opfmethod WHERE f.oid = k.obj)
      WHEN 'pg_cast'::regclass::oid THEN (SELECT format('cast:(%s AS %s)', format_type(c.castsource, NULL), format_type(c.casttarget, NULL))
        FROM pg_cast c WHERE c.oid = k.obj AND c.oid >= ${FIRST_USER_OID})
      WHEN 'pg_transform'::regclass::oid THEN (SELECT format('transform:FOR %s LANGUAGE %s', format_type(t.trftype, NULL), quote_ident(l.lanname))
        FROM pg_transform t JOIN pg_language l ON l.oid = t.trflang WHERE t.oid = k.obj)
      WHEN 'pg_conversion'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'conversion:' || ${qualified('n.nspname', 'c.conname')} END
        FROM pg_conversion c JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.oid = k.obj)
      WHEN 'pg_ts_parser'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'text_search_parser:' || ${qualified('n.nspname', 'p.prsname')} END
        FROM pg_ts_parser p JOIN pg_namespace n ON n.oid = p.prsnamespace WHERE p.oid = k.obj)
      WHEN 'pg_ts_template'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'text_search_template:' || ${qualified('n.nspname', 't.tmplname')} END
        FROM pg_ts_template t JOIN pg_namespace n ON n.oid = t.tmplnamespace WHERE t.oid = k.obj)
      WHEN 'pg_ts_dict'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'text_search_dictionary:' || ${qualified('n.nspname', 'd.dictname')} END
        FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace WHERE d.oid = k.obj)
      WHEN 'pg_ts_config'::regclass::oid THEN (SELECT CASE WHEN ${userSchema('n')} THEN 'text_search_configuration:' || ${qualified('n.nspname', 'c.cfgname')} END
        FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace WHERE c.oid = k.obj)
      WHEN 'pg_language'::regclass::oid THEN (SELECT 'language:' || quote_ident(l.lanname) FROM pg_language l WHERE l.oid = k.obj AND l.oid >= ${FIRST_USER_OID})
      WHEN 'pg_am'::regclass::oid THEN (SELECT 'access_method:' || quote_ident(a.amname) FROM pg_am a WHERE a.oid = k.obj AND a.oid >= ${FIRST_USER_OID})
      WHEN 'pg_foreign_data_wrapper'::regclass::oid THEN (SELECT 'foreign_data_wrapper:' || quote_ident(w.fdwname) FROM pg_foreign_data_wrapper w WHERE w.oid = k.obj)
      WHEN 'pg_foreign_server'::regclass::oid THEN (SELECT 'server:' || quote_ident(s.srvname) FROM pg_foreign_server s WHERE s.oid = k.obj)
      WHEN 'pg_user_mapping'::regclass::oid THEN (SELECT format('user_mapping:FOR %s SERVER %I', CASE WHEN m.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(m.usename::text) END, m.srvname)
        FROM pg_user_mappings m WHERE m.umid = k.obj)
      WHEN 'pg_publication'::regclass::oid THEN (SELECT 'publication:' || quote_ident(p.pubname) FROM pg_publication p WHERE p.oid = k.obj)
    END) AS key
  FROM key_step4 k
)`;
}
