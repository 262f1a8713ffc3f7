import type { MemoryRuntime } from './memory-runtime.js';
import type { ErasureRecord, KeyVault, SubjectKeyRow, Wrapped, WrappedEntry } from '../../personal-data/key-vault.js';

/**
 * The memory store's key vault: the tables of migration 0007 as maps. Keys and erasures take effect at once,
 * also inside a memory transaction (a rolled-back transaction leaves an unused key, as a key row created by
 * an autocommit statement would on PostgreSQL).
 */
export class MemoryKeyVault implements KeyVault {
  readonly autocommit = true;
  readonly #keys = new Map<string, SubjectKeyRow>();
  readonly #erasures: ErasureRecord[] = [];
  readonly #erasureOf = new Map<string, ErasureRecord>();
  #secret: Wrapped | undefined;

  async fetch(hashes: readonly string[]): Promise<SubjectKeyRow[]> {
    return hashes.flatMap((hash) => this.#keys.get(hash) ?? []);
  }

  async getOrCreate(hashes: readonly string[], create: (hash: string) => Wrapped): Promise<SubjectKeyRow[]> {
    return hashes.map((hash) => {
      let row = this.#keys.get(hash);
      if (row === undefined) {
        row = { hash, ...create(hash), erased: false };
        this.#keys.set(hash, row);
      }
      return row;
    });
  }

  async secret(create: () => Wrapped): Promise<Wrapped> {
    this.#secret ??= create();
    return this.#secret;
  }

  async erase(hash: string, subject: string, erasedBy: string | null): Promise<ErasureRecord & { readonly alreadyErased: boolean }> {
    const earlier = this.#erasureOf.get(hash);
    if (earlier) return { ...earlier, alreadyErased: true };
    this.#keys.set(hash, { hash, keyId: null, wrapped: null, erased: true });
    const record = { sequence: BigInt(this.#erasures.length + 1), subject, erasedAt: new Date(), erasedBy };
    this.#erasures.push(record);
    this.#erasureOf.set(hash, record);
    return { ...record, alreadyErased: false };
  }

  async erasures(after: bigint, limit: number): Promise<ErasureRecord[]> {
    return this.#erasures.filter((record) => record.sequence > after).slice(0, limit);
  }

  async wrappedNotUnder(currentId: string, limit: number): Promise<WrappedEntry[]> {
    const subjects = [...this.#keys.values()]
      .filter((row) => row.wrapped !== null && row.keyId !== currentId)
      .slice(0, limit)
      .map((row): WrappedEntry => ({ kind: 'subject', name: row.hash, keyId: row.keyId!, wrapped: row.wrapped! }));
    const secret = this.#secret && this.#secret.keyId !== currentId ? [{ kind: 'secret' as const, name: 'tags', ...this.#secret }] : [];
    return [...subjects, ...secret];
  }

  async rewrap(entry: WrappedEntry, next: Wrapped): Promise<void> {
    if (entry.kind === 'secret') {
      if (this.#secret?.wrapped.equals(entry.wrapped)) this.#secret = next;
      return;
    }
    const row = this.#keys.get(entry.name);
    if (row?.wrapped?.equals(entry.wrapped)) this.#keys.set(entry.name, { ...row, ...next });
  }
}

const vaults = new WeakMap<MemoryRuntime, MemoryKeyVault>();

/** The key vault of one memory store (made on first use). */
export function memoryKeyVault(runtime: MemoryRuntime): MemoryKeyVault {
  let vault = vaults.get(runtime);
  if (!vault) {
    vault = new MemoryKeyVault();
    vaults.set(runtime, vault);
  }
  return vault;
}
