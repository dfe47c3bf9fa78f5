import { createHash } from 'node:crypto';

export interface KeyEntry {
  /** Fingerprint written into every ciphertext made with this key. */
  readonly id: string;
  /** Operator's name for the key (only for messages; never stored). */
  readonly label: string;
  readonly key: Buffer;
}

export function createKeyEntry(label: string, key: Buffer): KeyEntry {
  const id = createHash('sha256').update('parley-secret-box-key-id\0').update(key).digest('hex').slice(0, 12);
  return { id, label, key };
}

/** The AES-256 keys Parley knows: the first one encrypts, any of them decrypts. */
export class SecretKeyring {
  private readonly byId = new Map<string, KeyEntry>();

  constructor(entries: KeyEntry[]) {
    if (entries.length === 0) throw new Error('a keyring needs at least one key');
    for (const entry of entries) if (!this.byId.has(entry.id)) this.byId.set(entry.id, entry);
    this.current = entries[0];
  }

  readonly current: KeyEntry;

  find(id: string): KeyEntry | undefined {
    return this.byId.get(id);
  }
}
