import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';

describe('secrets in recorded statements', () => {
  it.each([
    ["CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password 'hunter2')", "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password '********')"],
    ["ALTER USER MAPPING FOR app SERVER s OPTIONS (SET password 'hunter2')", "ALTER USER MAPPING FOR app SERVER s OPTIONS (SET password '********')"],
    ["ALTER USER MAPPING FOR app SERVER s OPTIONS (ADD \"password\" E'hun\\'ter2', sslpassword $$x$$)", "ALTER USER MAPPING FOR app SERVER s OPTIONS (ADD \"password\" '********', sslpassword '********')"],
    ["CREATE ROLE r LOGIN ENCRYPTED PASSWORD 'hunter2' VALID UNTIL 'infinity'", "CREATE ROLE r LOGIN ENCRYPTED PASSWORD '********' VALID UNTIL 'infinity'"],
    ["ALTER USER r WITH PASSWORD /* new */ 'it''s'", "ALTER USER r WITH PASSWORD /* new */ '********'"],
    ["CREATE SUBSCRIPTION sub CONNECTION 'host=db user=rep password=hunter2 dbname=app' PUBLICATION p", "CREATE SUBSCRIPTION sub CONNECTION 'host=db user=rep password=******** dbname=app' PUBLICATION p"],
    ["ALTER SUBSCRIPTION sub CONNECTION 'postgresql://rep:hunter2@db/app'", "ALTER SUBSCRIPTION sub CONNECTION 'postgresql://rep:********@db/app'"],
    ["CREATE SUBSCRIPTION sub CONNECTION 'host=db password = ''hun ter2''' PUBLICATION p", "CREATE SUBSCRIPTION sub CONNECTION 'host=db password = ********' PUBLICATION p"],
  ])('%s', (statement, recorded) => {
    expect(redactSecrets(statement)).toBe(recorded);
    expect(redactSecrets(statement)).not.toMatch(/hunter2|hun.ter2|it''s/);
  });

  it('leaves a column called password, its default and comments alone', () => {
    const sql = "CREATE TABLE users (password text DEFAULT 'x' CHECK (password <> 'y')); COMMENT ON COLUMN users.password IS 'hashed'";
    expect(redactSecrets(sql)).toBe(sql);
  });

  it('does not look inside function bodies or comments', () => {
    const sql = "CREATE FUNCTION f() RETURNS text AS $$ SELECT 'password ''x''' $$ LANGUAGE sql -- password 'not a token'";
    expect(redactSecrets(sql)).toBe(sql);
  });
});
