import { randomBytes } from 'node:crypto';
import type { EventStore, NewEvent } from '../../src/index.js';
import type { Erasable, PersonalDataOptions } from '../../src/index.js';

// #region personal-data
/** Events with personal data: a customer's name and email, and a payment naming two customers. */
export type PiiEvent =
  | { type: 'CustomerRegistered'; data: { customerId: string; name: Erasable<string>; email?: Erasable<string> } }
  | {
      type: 'PaymentSent';
      data: { paymentId: string; from: string; to: string; fromName: Erasable<string>; toName: Erasable<string>; amount: number };
    }
  | { type: 'Noted'; data: { note: string } };

/** Which fields are whose: a payment has two subjects, each with its own field. */
export const personalData: NonNullable<PersonalDataOptions<PiiEvent>['personalData']> = {
  CustomerRegistered: { subject: (data) => data.customerId, fields: ['name', 'email'] },
  PaymentSent: [
    { subject: (data) => data.from, fields: ['fromName'] },
    { subject: (data) => data.to, fields: ['toName'] },
  ],
};
// #endregion personal-data

/** A fresh store key, as base64 text (what an environment variable holds). */
export const newKey = (): string => randomBytes(32).toString('base64');

/** Makes a store with these personal-data options for the erasure contract, and the way to remove it. */
export type MakeErasingStore = (options: PersonalDataOptions<PiiEvent>) => Promise<{ store: EventStore<PiiEvent>; cleanup(): Promise<void> }>;

export const registered = (customerId: string, name: string, id?: string): NewEvent<PiiEvent> => ({
  type: 'CustomerRegistered',
  data: { customerId, name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.org` },
  tags: [`customer:${customerId}`],
  ...(id === undefined ? {} : { id }),
});

export const payment = (paymentId: string, from: [string, string], to: [string, string], amount = 10): NewEvent<PiiEvent> => ({
  type: 'PaymentSent',
  data: { paymentId, from: from[0], fromName: from[1], to: to[0], toName: to[1], amount },
  tags: [`customer:${from[0]}`, `customer:${to[0]}`],
});

/** A name no other case uses, long and odd enough that finding it anywhere is no accident. */
export const uniqueName = (first: string): string => `${first} Quixbrandt-${randomBytes(4).toString('hex')}`;
