// The control plane's test-run results (migrations/014_admin_test_runs.ts).

export interface AdminTestRunsTable {
  id: string;
  login: string;
  repo: string;
  view: string;
  expires_at: string;
}

export interface AdminTestRunTables {
  admin_test_runs: AdminTestRunsTable;
}
