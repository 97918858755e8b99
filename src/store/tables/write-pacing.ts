// GitHub write slots shared by every replica (migrations/016_github_write_pacing.ts).

export interface GithubWriteSlotsTable {
  /** "<group>:<installation id>", e.g. "write:42". */
  key: string;
  /** Epoch milliseconds: the first instant no slot has been handed out for. */
  next_at: number;
}

export interface WritePacingTables {
  github_write_slots: GithubWriteSlotsTable;
}
