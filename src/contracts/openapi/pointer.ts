// JSON pointers as persistent linked lists: walking a spec creates a child pointer at every
// step, and sharing the parent keeps that cheap. Segments are materialised only to locate.

export class Pointer {
  static readonly root = new Pointer(undefined, '');

  private constructor(readonly parent: Pointer | undefined, readonly key: string) {}

  child(key: string | number): Pointer {
    return new Pointer(this, String(key));
  }

  segments(): string[] {
    const keys: string[] = [];
    for (let at: Pointer | undefined = this; at && at.parent; at = at.parent) keys.push(at.key);
    return keys.reverse();
  }

  /** Pointers are immutable and the same one (a $ref target) is keyed again and again. */
  private text: string | undefined;

  toString(): string {
    if (this.text !== undefined) return this.text;
    // Built on the parent's text (the parent of an operation's schemas is shared and keeps it).
    const key = this.key.includes('~') || this.key.includes('/') ? this.key.replace(/~/g, '~0').replace(/\//g, '~1') : this.key;
    return (this.text = !this.parent ? '#/' : this.parent.parent ? `${this.parent.toString()}/${key}` : `#/${key}`);
  }
}

/** Splits a $ref fragment ("/components/schemas/Pet") into decoded segments. */
export function fragmentSegments(fragment: string): string[] {
  const trimmed = fragment.startsWith('/') ? fragment.slice(1) : fragment;
  if (trimmed === '') return [];
  return trimmed.split('/').map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'));
}
