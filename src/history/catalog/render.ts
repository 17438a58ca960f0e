// A whole schema as one runnable script: the settings pg_dump starts with,
// then every object in dependency order, each under a `-- <key>` line.
import type { SchemaObject } from './model.js';
import { orderObjects } from './order.js';
import { withoutOwner } from './owner.js';

export const PREAMBLE = [
  'SET statement_timeout = 0;',
  'SET lock_timeout = 0;',
  'SET idle_in_transaction_session_timeout = 0;',
  "SET client_encoding = 'UTF8';",
  'SET standard_conforming_strings = on;',
  "SELECT pg_catalog.set_config('search_path', '', false);",
  'SET check_function_bodies = false;',
  'SET xmloption = content;',
  'SET client_min_messages = warning;',
  'SET row_security = off;',
  "SET default_tablespace = '';",
  'SET default_table_access_method = heap;',
].join('\n');

export interface RenderOptions {
  /** Leave out each object's OWNER TO line (like pg_dump --no-owner): whoever replays owns everything. */
  readonly noOwners?: boolean;
}

export function renderSchema(objects: readonly SchemaObject[], options: RenderOptions = {}): string {
  const parts = [PREAMBLE];
  for (const object of orderObjects(objects)) {
    parts.push(`-- ${object.key}\n${options.noOwners ? withoutOwner(object.definition) : object.definition}`);
  }
  return `${parts.join('\n\n')}\n`;
}
