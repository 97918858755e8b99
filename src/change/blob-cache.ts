// A process-wide LRU for file contents, bounded by size. Keys are immutable by
// construction: a git blob sha, or "<repo>@<commit sha>:<path>"; an entry can never go stale.

export class ByteLru {
  private readonly entries = new Map<string, string>();
  private used = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.used;
  }

  get(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Refresh: Map keeps insertion order, so re-inserting moves it to the young end.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: string): void {
    const cost = costOf(value);
    if (cost > this.maxBytes) return; // would evict everything else for one entry
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.used -= costOf(old);
    }
    this.entries.set(key, value);
    this.used += cost;
    while (this.used > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      const v = this.entries.get(oldest.value)!;
      this.entries.delete(oldest.value);
      this.used -= costOf(v);
    }
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }
}

/** JS strings are UTF-16: two bytes per code unit is what they cost in memory. */
function costOf(value: string): number {
  return value.length * 2;
}

/** The shared content cache of the GitHub ChangeSet: 128 MiB. */
export const contentCache = new ByteLru(128 * 1024 * 1024);
