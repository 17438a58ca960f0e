export type CommitKind = 'baseline' | 'observed' | 'detected' | 'merge' | 'revert';

export interface CommitMetadata {
  readonly kind: CommitKind;
  readonly author: string | null;
  readonly database: string | null;
  readonly applicationName: string | null;
  readonly clientAddress: string | null;
  readonly backendPid: number | null;
  readonly message: string;
  readonly statements: readonly string[];
  readonly committedAt: Date;
}

export interface CommitRow extends CommitMetadata {
  readonly id: string;
  readonly repository: string;
  readonly branch: string;
  readonly parents: readonly string[];
  readonly treeHash: string;
  readonly recordedAt: Date;
  readonly seq: number;
}

export interface BranchRow {
  readonly repository: string;
  readonly name: string;
  readonly head: string | null;
  readonly database: string;
  readonly createdAt: Date;
  readonly createdFrom: string | null;
}

/** Per object key: the new canonical definition, or null when it was removed. */
export type TreeChanges = ReadonlyMap<string, string | null>;
