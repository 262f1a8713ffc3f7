/**
 * What a personal field reads as once its subject was erased (`store.eraseSubject`): the value is gone for
 * good, its key destroyed. A plain frozen JSON object, so it survives being written into a read model's JSON
 * column and read back (`isErased` recognises both).
 */
export interface Erased {
  readonly tallyErased: true;
}

/**
 * The type of a personal field in the event union: its value, or {@link Erased} after the subject's erasure.
 * @example
 * type AccountOpened = { type: 'AccountOpened'; data: { accountId: string; customerName: Erasable<string> } };
 */
export type Erasable<T> = T | Erased;

/** The one runtime value of {@link Erased} that the store returns. */
export const erased: Erased = Object.freeze({ tallyErased: true });

/** Whether a personal field's value was erased: narrows an `Erasable<T>` to `Erased` (and, in the else branch, to `T`). */
export function isErased(value: unknown): value is Erased {
  return (
    value === erased ||
    (typeof value === 'object' && value !== null && (value as { tallyErased?: unknown }).tallyErased === true && Object.keys(value).length === 1)
  );
}
