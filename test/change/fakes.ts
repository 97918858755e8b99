// Test helpers for Track A: an in-memory ChangeSet and valid packs from YAML-ish input.
import { createHash } from 'node:crypto';
import type { ChangeSet, ChangedFile } from '../../src/change/changeset.js';
import { Pack, type PackInput } from '../../src/packs/schema.js';
import type { ValidPack } from '../../src/packs/types.js';

export interface MemoryChangeSetInit {
  base?: Record<string, string>;
  head?: Record<string, string>;
  /** Default: computed from base and head. */
  files?: ChangedFile[];
  labels?: string[];
  repo?: string;
  truncated?: boolean;
}

export class MemoryChangeSet implements ChangeSet {
  readonly repo: string;
  readonly baseSha = 'b'.repeat(40);
  readonly headSha = 'h'.repeat(40);
  readonly number = 7;
  readonly author = { login: 'octocat', type: 'User' };
  readonly labels: string[];
  readonly truncated: boolean;
  readonly base: Record<string, string>;
  readonly head: Record<string, string>;
  readonly reads: string[] = [];
  private readonly list: ChangedFile[];

  constructor(init: MemoryChangeSetInit) {
    this.base = init.base ?? {};
    this.head = init.head ?? {};
    this.repo = init.repo ?? 'acme/payment-api';
    this.labels = init.labels ?? [];
    this.truncated = init.truncated ?? false;
    this.list = init.files ?? computeFiles(this.base, this.head);
  }

  async files(): Promise<ChangedFile[]> {
    return this.list;
  }

  async readBase(path: string): Promise<string | undefined> {
    this.reads.push(`base:${path}`);
    return this.base[path];
  }

  async readHead(path: string): Promise<string | undefined> {
    this.reads.push(`head:${path}`);
    return this.head[path];
  }
}

function computeFiles(base: Record<string, string>, head: Record<string, string>): ChangedFile[] {
  const out: ChangedFile[] = [];
  for (const path of new Set([...Object.keys(base), ...Object.keys(head)])) {
    const b = base[path];
    const h = head[path];
    if (b === h) continue;
    out.push({ path, status: b === undefined ? 'added' : h === undefined ? 'removed' : 'modified' });
  }
  return out;
}

export function validPack(input: Partial<PackInput> & { trackA?: PackInput['trackA'] }, file = 'policy-packs/test.yml'): ValidPack {
  const pack = Pack.parse({ id: 'test-pack', name: 'Test Pack', scope: { type: 'workspace' }, ...input });
  const versionHash = createHash('sha256').update(JSON.stringify(pack)).digest('hex');
  return { valid: true, file, pack, versionHash };
}
