import type { EventStore, VerifyResult } from '@tally/eventstore';
import type { BankEvent } from './domain/events.js';

/**
 * The demo's last step: the bank's events are what was appended. The projector seals settled events every few
 * seconds; `seal()` here seals the rest now, and `verify()` recomputes every sealed event's digest from the
 * stored row and checks it against the hash chain. A bank would keep `head` outside the database (its logs, an
 * auditor's ticket) and pass it back as `expectedHead` at the next audit.
 */
export async function verifyStep(store: EventStore<BankEvent>, say: (line: string) => void): Promise<VerifyResult> {
  say('\n8. Tamper evidence: every event is checked against the hash chain');
  // #region audit
  const { head } = await store.seal(); // seals what has settled and is not sealed yet
  const audit = await store.verify({ ...(head ? { expectedHead: head } : {}) });
  if (!audit.ok) throw new Error(`the event log was altered: ${audit.problem} at position ${audit.firstBroken}`);
  // #endregion audit
  say(`  ✓ verify(): ok, ${audit.checked} events checked, ${audit.unsealed} not sealed yet; chain head ${audit.head?.slice(0, 18) ?? 'none'}…`);
  return audit;
}
