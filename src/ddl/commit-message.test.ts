import { describe, expect, it } from 'vitest';
import { commitMessageOf } from './commit-message.js';

describe('commit message from SET LOCAL pggit.message', () => {
  it.each([
    ["SET LOCAL pggit.message = 'add users table'", 'add users table'],
    ["set local pggit.message to 'it''s done';", "it's done"],
    ["  SET pggit.message = 'session wide'", 'session wide'],
    ["SET LOCAL pggit.message = E'tab\\\\there'", 'tab\\there'],
    ["SET LOCAL pggit.message = 'first'; CREATE TABLE t ()", 'first'],
  ])('reads %s', (sql, message) => {
    expect(commitMessageOf(sql)).toBe(message);
  });

  it.each(['SELECT 1', "SET LOCAL search_path = 'x'", "SET LOCAL pggit.messages = 'x'", 'CREATE TABLE t ()', "SET LOCAL pggit.message = 'x' junk"])(
    'ignores %s',
    (sql) => {
      expect(commitMessageOf(sql)).toBeUndefined();
    },
  );
});
