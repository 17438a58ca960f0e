// The router's pure part: from a StartupMessage's parameters to the
// (repository, branch) the client asked for, and the startup parameters to
// send upstream once the branch's database is known. No I/O: looking the
// branch up is the BranchDirectory's job (directory.ts), done by the session.
//
//   database "app"                         -> repository app, branch main
//   database "app@feature"                 -> repository app, branch feature
//   options "-c pggit.branch=feature"      -> branch feature (also
//   options "--pggit.branch=feature"          "-cpggit.branch=feature");
//                                             removed from options upstream
//
// The branch is what follows the LAST "@": a repository name may contain
// "@", a branch name may not.
import { MAIN_BRANCH, invalidBranchName } from './names.js';

export const BRANCH_OPTION = 'pggit.branch';

export interface BranchRequest {
  readonly repository: string;
  readonly branch: string;
  /** The startup "options" with pggit.branch removed; undefined when there were none left. */
  readonly options: string | undefined;
  /** True when options lost a pggit.branch setting (the startup must be rewritten). */
  readonly optionsChanged: boolean;
}

export type RouteResult =
  | { readonly kind: 'request'; readonly request: BranchRequest }
  | { readonly kind: 'error'; readonly sqlstate: string; readonly message: string };

/** What the client asked for. parameters are the StartupMessage's. */
export function branchRequest(parameters: ReadonlyMap<string, string>): RouteResult {
  const user = parameters.get('user') ?? '';
  const database = parameters.get('database') || user;
  const at = database.lastIndexOf('@');
  const repository = at > 0 ? database.slice(0, at) : database;
  const fromName = at > 0 ? database.slice(at + 1) : undefined;
  const options = parameters.get('options');
  const extracted = options === undefined ? { branch: undefined, rest: undefined, changed: false } : extractBranchOption(options);
  const fromOptions = extracted.branch;
  if (fromName !== undefined && fromOptions !== undefined && fromName !== fromOptions) {
    return {
      kind: 'error',
      sqlstate: '22023',
      message: `database "${database}" names branch "${fromName}" but options set ${BRANCH_OPTION}=${fromOptions}; pick one`,
    };
  }
  const branch = fromOptions ?? fromName ?? MAIN_BRANCH;
  const invalid = invalidBranchName(branch);
  if (invalid) return { kind: 'error', sqlstate: '3D000', message: invalid };
  return {
    kind: 'request',
    request: { repository, branch, options: extracted.rest, optionsChanged: extracted.changed },
  };
}

/**
 * The startup parameters to send upstream: database set to the branch's
 * physical database, options without pggit.branch (dropped when empty).
 * The order of the other parameters is kept.
 */
export function upstreamParameters(
  parameters: ReadonlyMap<string, string>,
  request: BranchRequest,
  database: string,
): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, value] of parameters) {
    if (name === 'options' && request.optionsChanged) {
      if (request.options !== undefined) result.set(name, request.options);
    } else if (name === 'database') {
      result.set(name, database);
    } else {
      result.set(name, value);
    }
  }
  if (!result.has('database')) result.set('database', database);
  return result;
}

/** True when the startup must be re-encoded to reach database. */
export function needsRewrite(parameters: ReadonlyMap<string, string>, request: BranchRequest, database: string): boolean {
  const sent = parameters.get('database') || parameters.get('user') || '';
  return request.optionsChanged || sent !== database;
}

interface Extracted {
  readonly branch: string | undefined;
  readonly rest: string | undefined;
  readonly changed: boolean;
}

/**
 * Finds pggit.branch in a startup options string (PostgreSQL's syntax:
 * words split on unescaped white space, "\" escapes the next character) and
 * returns the string without it. Other words are kept byte for byte.
 */
export function extractBranchOption(options: string): Extracted {
  const words = splitOptions(options);
  const kept: string[] = [];
  let branch: string | undefined;
  let changed = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    let setting: string | undefined;
    let consumed = 1;
    if (word.value === '-c' && i + 1 < words.length) {
      setting = words[i + 1]!.value;
      consumed = 2;
    } else if (word.value.startsWith('-c')) {
      setting = word.value.slice(2);
    } else if (word.value.startsWith('--')) {
      setting = word.value.slice(2);
    }
    const parsed = setting === undefined ? undefined : settingOf(setting);
    if (parsed && parsed.name === BRANCH_OPTION) {
      branch = parsed.value;
      changed = true;
      i += consumed - 1;
      continue;
    }
    kept.push(word.raw);
  }
  if (!changed) return { branch: undefined, rest: options, changed: false };
  return { branch, rest: kept.length > 0 ? kept.join(' ') : undefined, changed };
}

function settingOf(text: string): { name: string; value: string } | undefined {
  const eq = text.indexOf('=');
  if (eq < 0) return undefined;
  // GUC names are case-insensitive; "-" in a --name=value is read as "_".
  return { name: text.slice(0, eq).toLowerCase().replace(/-/g, '_'), value: text.slice(eq + 1) };
}

interface Word {
  /** The word as written (escapes kept). */
  readonly raw: string;
  /** The word with escapes resolved. */
  readonly value: string;
}

function splitOptions(options: string): Word[] {
  const words: Word[] = [];
  let raw = '';
  let value = '';
  const flush = (): void => {
    if (raw !== '') words.push({ raw, value });
    raw = '';
    value = '';
  };
  for (let i = 0; i < options.length; i++) {
    const char = options[i]!;
    if (char === '\\' && i + 1 < options.length) {
      raw += char + options[i + 1]!;
      value += options[i + 1]!;
      i++;
    } else if (/\s/.test(char)) {
      flush();
    } else {
      raw += char;
      value += char;
    }
  }
  flush();
  return words;
}
