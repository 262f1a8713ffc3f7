import type { EventStore, VerifyResult } from '@tally/eventstore';
import type { BankEvent } from '../domain/events.js';

/**
 * The demo's last step: the bank's events are what was appended. The projector seals settled events every few
 * seconds; `seal()` here seals the rest now, and `verify()` recomputes every sealed event's digest from the
 * stored row and checks it against the hash chain. The head it prints is what a bank keeps outside the database
 * (its logs, an auditor's ticket): given back as `anchor` at the next audit, it catches a rewrite of events and
 * seals together.
 * @throws {Error} when the log was altered
 */
export async function verifyStep(store: EventStore<BankEvent>, say: (line: string) => void, anchor?: string): Promise<VerifyResult> {
  say('\n10. Tamper evidence: every event is checked against the hash chain');
  // #region audit
  await store.seal(); // seals what has settled and is not sealed yet
  const audit = await store.verify(anchor === undefined ? {} : { expectedHead: anchor });
  if (!audit.ok) throw new Error(`the event log was altered: ${audit.problem} at position ${audit.firstBroken}`);
  // keep audit.head outside the database: the next audit's anchor
  // #endregion audit
  say(`  ✓ verify(): ok, ${audit.checked} events checked, ${audit.unsealed} not sealed yet; chain head to keep: ${audit.head ?? 'none'}`);
  return audit;
}
