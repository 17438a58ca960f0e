// Typed access to libpg-query's parse nodes, which are one-key objects:
// `{ CreateStmt: { ... } }`.
import type { Node } from 'libpg-query';

type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/** Every parse node type name: `CreateStmt`, `SelectStmt`, `String`, ... */
export type NodeType = KeysOfUnion<Node> & string;

/** The body of a node of type K. */
export type NodeBody<K extends NodeType> = Extract<Node, Record<K, unknown>>[K];

/** The body of `node` when it is of type `type`. */
export function bodyOf<K extends NodeType>(node: Node | undefined, type: K): NodeBody<K> | undefined {
  if (node === undefined || !(type in node)) return undefined;
  return (node as unknown as Record<K, NodeBody<K>>)[type];
}

/** A DefElem option is off: `(x = false)`, `(x off)`, `(x 0)`. A bare `(x)` means on. */
export function optionIsOff(options: readonly Node[] | undefined, name: string): boolean {
  for (const option of options ?? []) {
    const def = bodyOf(option, 'DefElem');
    if (def?.defname !== name) continue;
    const arg = def.arg;
    if (arg === undefined) return false;
    if ('Boolean' in arg) return arg.Boolean.boolval !== true;
    if ('Integer' in arg) return (arg.Integer.ival ?? 0) === 0;
    const word = 'String' in arg ? arg.String.sval : 'TypeName' in arg ? lastName(arg.TypeName.names) : undefined;
    return word !== undefined && ['false', 'off', 'no', '0'].includes(word.toLowerCase());
  }
  return false;
}

/** A DefElem option that is present and not off. */
export function optionIsOn(options: readonly Node[] | undefined, name: string): boolean {
  const present = (options ?? []).some((option) => bodyOf(option, 'DefElem')?.defname === name);
  return present && !optionIsOff(options, name);
}

function lastName(names: readonly Node[] | undefined): string | undefined {
  const last = names?.[names.length - 1];
  return last !== undefined && 'String' in last ? last.String.sval : undefined;
}
