// Track B tables (migrations/011_drift.ts).
import type { Generated } from 'kysely';

export interface DriftWindowsTable {
  installation_id: number;
  pack_id: string;
  doc_key: string;
  /** The installation's account login (where the config repo is), for the sweep. */
  owner: string;
  state: string; // JSON WindowState
  due_at: string | null;
  version: number;
  updated_at: string;
}

export interface DriftItemsTable {
  installation_id: number;
  pack_id: string;
  doc_key: string;
  fingerprint: string;
  /** pending | remediation | digest | ignored | dropped | resolved | merged */
  status: string;
  /** The repo of the change that raised it first (its digest issue lives there). */
  source_repo: string;
  entry: string; // JSON LedgerEntry
  branch: string | null;
  created_at: string;
  updated_at: string;
}

export interface DriftRemediationsTable {
  id: Generated<number>;
  installation_id: number;
  pack_id: string;
  doc_key: string;
  system: string;
  /** The doc repo (github) or the Confluence space/page label. */
  repo: string;
  branch: string;
  /** open | stopped | closed | merged | resolved */
  status: string;
  pr_number: number | null;
  reason: string | null;
  opened_at: string;
  updated_at: string;
}

export interface DriftSignalsTable {
  installation_id: number;
  repo: string;
  sha: string;
  processed_at: string;
}

export interface DriftTables {
  drift_windows: DriftWindowsTable;
  drift_items: DriftItemsTable;
  drift_remediations: DriftRemediationsTable;
  drift_signals: DriftSignalsTable;
}
