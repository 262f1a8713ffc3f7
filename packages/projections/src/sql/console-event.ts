/** An event as the console shows it: as stored (not upcast), positions as decimal strings. */
export interface ConsoleEvent {
  readonly position: string;
  readonly transactionId: string;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly occurredAt: string;
}

/** The columns {@link toConsoleEvent} maps. */
export const consoleEventColumns = ['position', 'transaction_id', 'id', 'type', 'data', 'tags', 'metadata', 'occurred_at'] as const;

/** A row of those columns. */
export type ConsoleEventRow = { position: string; transaction_id: string; id: string; type: string; data: unknown; tags: string[]; metadata: Record<string, unknown>; occurred_at: Date };

/** A row as the console shows it. */
export const toConsoleEvent = (row: ConsoleEventRow): ConsoleEvent => ({
  position: row.position,
  transactionId: row.transaction_id,
  id: row.id,
  type: row.type,
  data: row.data,
  tags: row.tags,
  metadata: row.metadata,
  occurredAt: row.occurred_at.toISOString(),
});
