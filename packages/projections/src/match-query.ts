/** The one query matcher of Tally lives in `@tally/eventstore`. */
export { jsonContains, matchesQuery } from '@tally/eventstore';
