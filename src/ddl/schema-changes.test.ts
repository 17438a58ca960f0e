import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseStatements } from './parser.js';
import { describeSchemaChange, SCHEMA_CHANGES } from './schema-changes.js';

beforeAll(loadParser);

const describeOne = (sql: string) => {
  const [statement, ...rest] = parseStatements(sql);
  expect(rest).toEqual([]);
  expect(statement?.nodeType).toBeDefined();
  return statement === undefined ? undefined : describeSchemaChange(statement);
};

/** Per entry of the list: statements that must count (first one's kind given) and, where the entry has them, variants that must not. */
const EXAMPLES: Record<string, { kind: string; yes: string[]; no?: string[] }> = {
  CreateSchemaStmt: { kind: 'CREATE SCHEMA', yes: ['CREATE SCHEMA s', 'CREATE SCHEMA AUTHORIZATION bob', 'CREATE SCHEMA s CREATE TABLE t (a int)'] },
  CreateStmt: {
    kind: 'CREATE TABLE',
    yes: ['CREATE TABLE t (a int)', 'CREATE TABLE a()', 'CREATE TABLE c PARTITION OF p FOR VALUES IN (1)', 'CREATE TABLE c () INHERITS (p)', 'CREATE UNLOGGED TABLE u (a int)'],
    no: ['CREATE TEMP TABLE t (a int)', 'CREATE TEMPORARY TABLE t (a int) ON COMMIT DROP', 'CREATE TABLE pg_temp.t (a int)', 'CREATE TABLE pg_temp_3.t ()'],
  },
  AlterTableStmt: {
    kind: 'ALTER TABLE',
    yes: ['ALTER TABLE t ADD COLUMN b int', 'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)', 'ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (2)', 'ALTER INDEX i SET (fillfactor = 70)', 'ALTER TABLE t ENABLE ROW LEVEL SECURITY', 'ALTER TABLE t OWNER TO bob'],
    no: ['ALTER TABLE pg_temp.t ADD COLUMN b int'],
  },
  IndexStmt: {
    kind: 'CREATE INDEX',
    yes: ['CREATE INDEX i ON t (a)', 'CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)', 'CREATE INDEX ON t USING gin (b)'],
    no: ['CREATE INDEX i ON pg_temp.t (a)'],
  },
  ViewStmt: { kind: 'CREATE VIEW', yes: ['CREATE VIEW v AS SELECT 1', 'CREATE OR REPLACE VIEW s.v AS SELECT 1'], no: ['CREATE TEMP VIEW v AS SELECT 1'] },
  CreateTableAsStmt: {
    kind: 'CREATE TABLE AS',
    yes: ['CREATE TABLE t AS SELECT 1', 'CREATE MATERIALIZED VIEW m AS SELECT 1', 'CREATE TABLE t AS EXECUTE p'],
    no: ['CREATE TEMP TABLE t AS SELECT 1', 'CREATE TABLE pg_temp.t AS SELECT 1'],
  },
  SelectStmt: { kind: 'SELECT INTO', yes: ['SELECT * INTO t FROM s', 'SELECT 1 AS a INTO UNLOGGED t'], no: ['SELECT 1', 'SELECT 1 INTO TEMP t', 'SELECT 1 INTO pg_temp.t'] },
  ExplainStmt: {
    kind: 'CREATE TABLE AS',
    yes: ['EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1', 'EXPLAIN (ANALYZE, BUFFERS) SELECT 1 INTO t'],
    no: ['EXPLAIN CREATE TABLE t AS SELECT 1', 'EXPLAIN (ANALYZE false) SELECT 1 INTO t', 'EXPLAIN ANALYZE SELECT 1'],
  },
  DropStmt: {
    kind: 'DROP TABLE',
    yes: ['DROP TABLE t', 'DROP INDEX CONCURRENTLY i', 'DROP FUNCTION f(int)', 'DROP TYPE s.e CASCADE', 'DROP TABLE pg_temp.a, b'],
    no: ['DROP TABLE pg_temp.t'],
  },
  RenameStmt: {
    kind: 'ALTER TABLE',
    yes: ['ALTER TABLE t RENAME COLUMN a TO b', 'ALTER TABLE t RENAME TO u', 'ALTER TRIGGER tr ON t RENAME TO tr2', 'ALTER SCHEMA s RENAME TO s2'],
    no: ['ALTER DATABASE d RENAME TO e', 'ALTER ROLE r RENAME TO q', 'ALTER TABLE pg_temp.t RENAME TO u'],
  },
  CommentStmt: {
    kind: 'COMMENT',
    yes: ["COMMENT ON TABLE t IS 'x'", "COMMENT ON COLUMN s.t.c IS 'x'", 'COMMENT ON FUNCTION f(int) IS NULL'],
    no: ["COMMENT ON DATABASE d IS 'x'", "COMMENT ON ROLE r IS 'x'", "COMMENT ON TABLESPACE ts IS 'x'"],
  },
  GrantStmt: {
    kind: 'GRANT',
    yes: ['GRANT SELECT ON t TO bob', 'REVOKE ALL ON ALL TABLES IN SCHEMA s FROM PUBLIC', 'GRANT USAGE ON SCHEMA s TO bob', 'GRANT EXECUTE ON FUNCTION f(int) TO bob'],
    no: ['GRANT CONNECT ON DATABASE d TO bob', 'GRANT SET ON PARAMETER work_mem TO bob', 'GRANT CREATE ON TABLESPACE ts TO bob'],
  },
  AlterDefaultPrivilegesStmt: { kind: 'ALTER DEFAULT PRIVILEGES', yes: ['ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO bob'] },
  SecLabelStmt: { kind: 'SECURITY LABEL', yes: ["SECURITY LABEL FOR selinux ON TABLE t IS 'x'"], no: ["SECURITY LABEL ON ROLE r IS 'x'"] },
  AlterOwnerStmt: { kind: 'ALTER FUNCTION', yes: ['ALTER FUNCTION f(int) OWNER TO bob', 'ALTER SCHEMA s OWNER TO bob'], no: ['ALTER DATABASE d OWNER TO bob'] },
  AlterObjectSchemaStmt: { kind: 'ALTER TABLE', yes: ['ALTER TABLE t SET SCHEMA s', 'ALTER FUNCTION f() SET SCHEMA s'] },
  AlterObjectDependsStmt: { kind: 'ALTER FUNCTION', yes: ['ALTER FUNCTION f() DEPENDS ON EXTENSION e'] },
  CreateFunctionStmt: {
    kind: 'CREATE FUNCTION',
    yes: ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END'],
    no: ['CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$'],
  },
  AlterFunctionStmt: { kind: 'ALTER FUNCTION', yes: ['ALTER FUNCTION f(int) IMMUTABLE', 'ALTER PROCEDURE p() SECURITY DEFINER'] },
  DefineStmt: {
    kind: 'CREATE AGGREGATE',
    yes: ['CREATE AGGREGATE a (int) (sfunc = int4pl, stype = int)', 'CREATE OPERATOR === (leftarg = int, rightarg = int, function = int4eq)', 'CREATE TYPE shell', "CREATE COLLATION c (locale = 'C')", 'CREATE TEXT SEARCH DICTIONARY d (template = simple)'],
    no: ['CREATE TYPE pg_temp.shell'],
  },
  CompositeTypeStmt: { kind: 'CREATE TYPE', yes: ['CREATE TYPE c AS (a int, b text)'] },
  CreateEnumStmt: { kind: 'CREATE TYPE', yes: ["CREATE TYPE e AS ENUM ('a', 'b')"] },
  CreateRangeStmt: { kind: 'CREATE TYPE', yes: ['CREATE TYPE r AS RANGE (subtype = float8)'] },
  AlterEnumStmt: { kind: 'ALTER TYPE', yes: ["ALTER TYPE e ADD VALUE 'c' AFTER 'b'", "ALTER TYPE e RENAME VALUE 'a' TO 'z'"] },
  AlterTypeStmt: { kind: 'ALTER TYPE', yes: ['ALTER TYPE t SET (storage = plain)'] },
  CreateDomainStmt: { kind: 'CREATE DOMAIN', yes: ['CREATE DOMAIN d AS int CHECK (VALUE > 0)'] },
  AlterDomainStmt: { kind: 'ALTER DOMAIN', yes: ['ALTER DOMAIN d SET NOT NULL', 'ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE < 10)'] },
  CreateSeqStmt: { kind: 'CREATE SEQUENCE', yes: ['CREATE SEQUENCE s START 10'], no: ['CREATE TEMP SEQUENCE s'] },
  AlterSeqStmt: { kind: 'ALTER SEQUENCE', yes: ['ALTER SEQUENCE s RESTART WITH 5', 'ALTER SEQUENCE s OWNED BY t.a'] },
  CreateTrigStmt: {
    kind: 'CREATE TRIGGER',
    yes: ['CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()', 'CREATE CONSTRAINT TRIGGER tr AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()'],
    no: ['CREATE TRIGGER tr BEFORE INSERT ON pg_temp.t FOR EACH ROW EXECUTE FUNCTION f()'],
  },
  CreateEventTrigStmt: { kind: 'CREATE EVENT TRIGGER', yes: ['CREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION f()'] },
  AlterEventTrigStmt: { kind: 'ALTER EVENT TRIGGER', yes: ['ALTER EVENT TRIGGER et DISABLE'] },
  RuleStmt: { kind: 'CREATE RULE', yes: ['CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING'] },
  CreatePolicyStmt: { kind: 'CREATE POLICY', yes: ['CREATE POLICY p ON t USING (owner = current_user)'] },
  AlterPolicyStmt: { kind: 'ALTER POLICY', yes: ['ALTER POLICY p ON t TO bob'] },
  CreateExtensionStmt: { kind: 'CREATE EXTENSION', yes: ['CREATE EXTENSION IF NOT EXISTS pgcrypto'] },
  AlterExtensionStmt: { kind: 'ALTER EXTENSION', yes: ["ALTER EXTENSION e UPDATE TO '2.0'"] },
  AlterExtensionContentsStmt: { kind: 'ALTER EXTENSION', yes: ['ALTER EXTENSION e ADD FUNCTION f()'] },
  CreateCastStmt: { kind: 'CREATE CAST', yes: ['CREATE CAST (int AS text) WITH INOUT'] },
  CreateConversionStmt: { kind: 'CREATE CONVERSION', yes: ["CREATE CONVERSION c FOR 'LATIN1' TO 'UTF8' FROM f"] },
  CreatePLangStmt: { kind: 'CREATE LANGUAGE', yes: ['CREATE LANGUAGE plsample HANDLER h'] },
  CreateAmStmt: { kind: 'CREATE ACCESS METHOD', yes: ['CREATE ACCESS METHOD am TYPE TABLE HANDLER h'] },
  CreateTransformStmt: { kind: 'CREATE TRANSFORM', yes: ['CREATE TRANSFORM FOR hstore LANGUAGE plpython3u (FROM SQL WITH FUNCTION f(internal), TO SQL WITH FUNCTION g(internal))'] },
  CreateStatsStmt: { kind: 'CREATE STATISTICS', yes: ['CREATE STATISTICS st (dependencies) ON a, b FROM t'] },
  AlterStatsStmt: { kind: 'ALTER STATISTICS', yes: ['ALTER STATISTICS st SET STATISTICS 100'] },
  CreateOpClassStmt: { kind: 'CREATE OPERATOR CLASS', yes: ['CREATE OPERATOR CLASS oc FOR TYPE int USING btree AS OPERATOR 1 <, FUNCTION 1 btint4cmp(int, int)'] },
  CreateOpFamilyStmt: { kind: 'CREATE OPERATOR FAMILY', yes: ['CREATE OPERATOR FAMILY of USING btree'] },
  AlterOpFamilyStmt: { kind: 'ALTER OPERATOR FAMILY', yes: ['ALTER OPERATOR FAMILY of USING btree ADD OPERATOR 1 < (int, int)'] },
  AlterOperatorStmt: { kind: 'ALTER OPERATOR', yes: ['ALTER OPERATOR === (int, int) SET (restrict = eqsel)'] },
  AlterCollationStmt: { kind: 'ALTER COLLATION', yes: ['ALTER COLLATION c REFRESH VERSION'] },
  AlterTSDictionaryStmt: { kind: 'ALTER TEXT SEARCH DICTIONARY', yes: ['ALTER TEXT SEARCH DICTIONARY d (stopwords = english)'] },
  AlterTSConfigurationStmt: { kind: 'ALTER TEXT SEARCH CONFIGURATION', yes: ['ALTER TEXT SEARCH CONFIGURATION c ADD MAPPING FOR word WITH simple'] },
  CreatePublicationStmt: { kind: 'CREATE PUBLICATION', yes: ['CREATE PUBLICATION p FOR TABLE t', 'CREATE PUBLICATION p FOR ALL TABLES'] },
  AlterPublicationStmt: { kind: 'ALTER PUBLICATION', yes: ['ALTER PUBLICATION p ADD TABLE t'] },
  CreateSubscriptionStmt: { kind: 'CREATE SUBSCRIPTION', yes: ["CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p"] },
  AlterSubscriptionStmt: { kind: 'ALTER SUBSCRIPTION', yes: ['ALTER SUBSCRIPTION s DISABLE'] },
  DropSubscriptionStmt: { kind: 'DROP SUBSCRIPTION', yes: ['DROP SUBSCRIPTION s'] },
  CreateFdwStmt: { kind: 'CREATE FOREIGN DATA WRAPPER', yes: ['CREATE FOREIGN DATA WRAPPER w HANDLER h'] },
  AlterFdwStmt: { kind: 'ALTER FOREIGN DATA WRAPPER', yes: ['ALTER FOREIGN DATA WRAPPER w NO VALIDATOR'] },
  CreateForeignServerStmt: { kind: 'CREATE SERVER', yes: ["CREATE SERVER srv FOREIGN DATA WRAPPER w OPTIONS (host 'x')"] },
  AlterForeignServerStmt: { kind: 'ALTER SERVER', yes: ["ALTER SERVER srv VERSION '2'"] },
  CreateForeignTableStmt: { kind: 'CREATE FOREIGN TABLE', yes: ['CREATE FOREIGN TABLE ft (a int) SERVER srv'] },
  CreateUserMappingStmt: { kind: 'CREATE USER MAPPING', yes: ['CREATE USER MAPPING FOR bob SERVER srv'] },
  AlterUserMappingStmt: { kind: 'ALTER USER MAPPING', yes: ["ALTER USER MAPPING FOR CURRENT_USER SERVER srv OPTIONS (SET password 'x')"] },
  DropUserMappingStmt: { kind: 'DROP USER MAPPING', yes: ['DROP USER MAPPING FOR PUBLIC SERVER srv'] },
  ImportForeignSchemaStmt: { kind: 'IMPORT FOREIGN SCHEMA', yes: ['IMPORT FOREIGN SCHEMA remote LIMIT TO (t) FROM SERVER srv INTO local'] },
  AlterTableMoveAllStmt: { kind: 'ALTER TABLE', yes: ['ALTER TABLE ALL IN TABLESPACE a SET TABLESPACE b'] },
  ReassignOwnedStmt: { kind: 'REASSIGN OWNED', yes: ['REASSIGN OWNED BY a TO b'] },
  DropOwnedStmt: { kind: 'DROP OWNED', yes: ['DROP OWNED BY a CASCADE'] },
};

describe('the list of schema changes', () => {
  it('has examples for exactly its entries', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(SCHEMA_CHANGES.map((entry) => entry.nodeType).sort());
  });

  describe.each(SCHEMA_CHANGES.map((entry) => [entry.nodeType, entry.covers] as const))('%s (%s)', (nodeType) => {
    const examples = EXAMPLES[nodeType] ?? { kind: '', yes: [] };

    it('counts its statements, named as PostgreSQL names them', () => {
      examples.yes.forEach((sql, index) => {
        const change = describeOne(sql);
        expect(change, sql).toBeDefined();
        expect(change?.nodeType, sql).toBe(nodeType);
        expect(change?.unparsed, sql).toBeUndefined();
        if (index === 0) expect(change?.kind).toBe(examples.kind);
      });
    });

    if (examples.no !== undefined) {
      it('does not count its variants that leave the schema alone', () => {
        for (const sql of examples.no ?? []) expect(describeOne(sql), sql).toBeUndefined();
      });
    }
  });
});

describe('statements that are not schema changes', () => {
  it.each([
    'INSERT INTO t VALUES (1)',
    'UPDATE t SET a = 1',
    'DELETE FROM t',
    'MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE',
    'TRUNCATE t',
    'COPY t FROM STDIN',
    'REFRESH MATERIALIZED VIEW m',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY m',
    'VACUUM t',
    'ANALYZE t',
    'CLUSTER t USING i',
    'REINDEX TABLE t',
    'SET search_path = s',
    'SET LOCAL lock_timeout = 1000',
    'RESET ALL',
    'CREATE ROLE r',
    'ALTER ROLE r SET search_path = s',
    'DROP ROLE r',
    'GRANT r TO bob',
    'CREATE DATABASE d',
    'ALTER DATABASE d SET work_mem = 1',
    'DROP DATABASE d',
    "CREATE TABLESPACE ts LOCATION '/x'",
    'ALTER SYSTEM SET work_mem = 1',
    'LOCK TABLE t',
    'DO $$ BEGIN END $$',
    'CALL p()',
    'PREPARE p AS SELECT 1',
    'DECLARE c CURSOR FOR SELECT 1',
    'BEGIN',
    'SELECT 1',
  ])('%s', (sql) => {
    expect(describeOne(sql)).toBeUndefined();
  });
});

describe('what a change says about itself', () => {
  it('names the objects a statement touches', () => {
    expect(describeOne('CREATE TABLE s.t (a int)')?.objects).toEqual([{ schema: 's', name: 't', objtype: 'table' }]);
    expect(describeOne('CREATE TABLE c PARTITION OF s.p FOR VALUES IN (1)')?.objects).toEqual([
      { name: 'c', objtype: 'table' },
      { schema: 's', name: 'p', objtype: 'table' },
    ]);
    expect(describeOne('CREATE INDEX i ON s.t (a)')?.objects).toEqual([
      { schema: 's', name: 'i', objtype: 'index' },
      { schema: 's', name: 't', objtype: 'table' },
    ]);
    expect(describeOne('DROP TABLE a.b, c')?.objects).toEqual([
      { schema: 'a', name: 'b', objtype: 'table' },
      { name: 'c', objtype: 'table' },
    ]);
    expect(describeOne("COMMENT ON COLUMN s.t.c IS 'x'")?.objects).toEqual([{ schema: 's', name: 't.c', objtype: 'column' }]);
    expect(describeOne('DROP TRIGGER tr ON s.t')?.objects).toEqual([{ schema: 's', name: 'tr ON t', objtype: 'trigger' }]);
    expect(describeOne('ALTER TABLE s.t RENAME TO u')?.objects).toEqual([
      { schema: 's', name: 't', objtype: 'table' },
      { schema: 's', name: 'u', objtype: 'table' },
    ]);
    expect(describeOne('ALTER TABLE t RENAME COLUMN a TO b')?.objects).toEqual([
      { name: 't', objtype: 'table' },
      { name: 't.b', objtype: 'column' },
    ]);
    expect(describeOne('GRANT SELECT ON ALL TABLES IN SCHEMA a, b TO x')?.objects).toEqual([
      { name: 'a', objtype: 'schema' },
      { name: 'b', objtype: 'schema' },
    ]);
    expect(describeOne('CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$')?.objects).toEqual([
      { schema: 's', name: 'f', objtype: 'function' },
    ]);
  });

  it('names a rename after what holds the renamed part', () => {
    expect(describeOne('ALTER TABLE t RENAME CONSTRAINT a TO b')?.kind).toBe('ALTER TABLE');
    expect(describeOne('ALTER VIEW v RENAME COLUMN a TO b')?.kind).toBe('ALTER VIEW');
    expect(describeOne('ALTER DOMAIN d RENAME CONSTRAINT a TO b')?.kind).toBe('ALTER DOMAIN');
    expect(describeOne('ALTER TYPE c RENAME ATTRIBUTE a TO b')?.kind).toBe('ALTER TYPE');
    expect(describeOne('ALTER POLICY p ON t RENAME TO q')?.kind).toBe('ALTER POLICY');
    expect(describeOne('ALTER TABLE s.t RENAME CONSTRAINT a TO b')?.objects).toEqual([
      { schema: 's', name: 't', objtype: 'table' },
      { schema: 's', name: 't.b', objtype: 'constraint' },
    ]);
  });

  it('marks what runs outside a transaction block', () => {
    expect(describeOne('CREATE INDEX CONCURRENTLY i ON t (a)')).toMatchObject({ concurrently: true, noTransactionBlock: true });
    expect(describeOne('DROP INDEX CONCURRENTLY i')).toMatchObject({ concurrently: true, noTransactionBlock: true });
    expect(describeOne('ALTER TABLE p DETACH PARTITION c CONCURRENTLY')).toMatchObject({ concurrently: true, noTransactionBlock: true });
    expect(describeOne("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p")).toMatchObject({ noTransactionBlock: true });
    expect(describeOne("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (create_slot = false)")?.noTransactionBlock).toBeUndefined();
    expect(describeOne("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (connect = off)")?.noTransactionBlock).toBeUndefined();
    expect(describeOne('CREATE INDEX i ON t (a)')).not.toHaveProperty('concurrently');
    expect(describeOne('ALTER TABLE p DETACH PARTITION c')).not.toHaveProperty('noTransactionBlock');
  });

  it('keeps a statement the parser rejects but that starts like DDL, marked unparsed', () => {
    const [statement] = parseStatements('CREATE TABLE (broken');
    expect(statement?.nodeType).toBeUndefined();
    expect(statement && describeSchemaChange(statement)).toEqual({
      text: 'CREATE TABLE (broken',
      kind: 'CREATE TABLE',
      nodeType: 'Unparsed',
      unparsed: true,
    });
    const [notDdl] = parseStatements('SELEC 1');
    expect(notDdl && describeSchemaChange(notDdl)).toBeUndefined();
  });
});
