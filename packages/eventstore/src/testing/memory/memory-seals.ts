import { parseVerifyOptions } from '../../parse-verify-options.js';
import type { SealResult, VerifyOptions, VerifyResult } from '../../verify-types.js';
import type { MemoryLog } from './memory-log.js';

/**
 * `seal()` and `verify()` of the memory store. Nothing outside the store object can change its events, so there
 * is no chain to keep: `seal()` marks how far the log is sealed (every committed event is settled here), and
 * `verify()` counts the sealed and unsealed events of the range, validating its options as the PostgreSQL store
 * does. There is no head (`head` stays absent; an `expectedHead` is only checked for its form).
 */
export class MemorySeals {
  #sealed = 0;

  constructor(private readonly log: MemoryLog) {}

  seal(): SealResult {
    const records = this.log.records;
    const sealed = records.length - this.#sealed;
    this.#sealed = records.length;
    const last = records[this.#sealed - 1];
    return { sealed, ...(last ? { sealedThrough: { transactionId: last.transactionId, position: last.position } } : {}) };
  }

  verify(options: VerifyOptions): VerifyResult {
    const { from, to } = parseVerifyOptions(options);
    const records = this.log.records;
    let checked = 0;
    let unsealed = 0;
    records.forEach((record, i) => {
      if (record.position < from || record.position > to) return;
      if (i < this.#sealed) checked++;
      else unsealed++;
    });
    const last = records[this.#sealed - 1];
    return { ok: true, checked, unsealed, ...(last ? { sealedThrough: { transactionId: last.transactionId, position: last.position } } : {}) };
  }
}
