import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigurationError, InvalidEventError } from '../errors.js';
import { jsonProblem } from '../json-problem.js';
import type { CodecStage, EncodingEvent, MaybePromise } from './codec-types.js';

/** `data.items[2].price` for the issue path `['items', 2, 'price']`. */
function issuePath(issue: StandardSchemaV1.Issue): string {
  let path = 'data';
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    path += typeof key === 'number' ? `[${key}]` : typeof key === 'symbol' ? `[${String(key)}]` : `.${key}`;
  }
  return path;
}

/** The event as stored after its schema's `result`. @throws {InvalidEventError} INVALID_EVENT_DATA */
function validated(result: StandardSchemaV1.Result<unknown>, event: EncodingEvent, index: number): EncodingEvent {
  if (result.issues !== undefined) {
    const issue = result.issues[0];
    const path = issue === undefined ? 'data' : issuePath(issue);
    const others = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : '';
    throw new InvalidEventError('INVALID_EVENT_DATA', `events[${index}].${path}: ${issue?.message ?? 'invalid'}${others}`, index, path);
  }
  if (result.value === event.data) return event;
  const problem = jsonProblem(result.value, `events[${index}].data`);
  if (problem) throw new InvalidEventError('INVALID_EVENT_DATA', `the schema's output is not JSON: ${problem}`, index, 'data');
  return { ...event, data: result.value };
}

/**
 * The validation stage: each event whose type has a schema is validated (a schema may be async), and stored
 * as the schema's output (defaults and transforms apply). The first event with issues refuses the whole batch
 * with `INVALID_EVENT_DATA`, its index and the path of its first issue; nothing is written.
 * @throws {ConfigurationError} when a schema is not a Standard Schema
 */
export function validationStage(schemas: Readonly<Record<string, StandardSchemaV1 | undefined>>): CodecStage {
  const byType = new Map<string, StandardSchemaV1.Props>();
  for (const [type, schema] of Object.entries(schemas)) {
    if (schema === undefined) continue;
    const props = (schema as Partial<StandardSchemaV1> | null)?.['~standard'];
    if (typeof props?.validate !== 'function') {
      throw new ConfigurationError(`schemas.${type} is not a Standard Schema (no ~standard.validate): use zod, valibot, arktype or another Standard Schema library`);
    }
    byType.set(type, props);
  }
  // Synchronous while the schemas answer at once (most do): an append then makes no promise here.
  const validateFrom = (events: readonly EncodingEvent[], start: number, out: EncodingEvent[]): MaybePromise<EncodingEvent[]> => {
    for (let index = start; index < events.length; index++) {
      const event = events[index]!;
      const props = byType.get(event.type);
      const result = props?.validate(event.data);
      if (result instanceof Promise) {
        return result.then((settled) => {
          out.push(validated(settled, event, index));
          return validateFrom(events, index + 1, out);
        });
      }
      out.push(result === undefined ? event : validated(result, event, index));
    }
    return out;
  };
  return {
    name: 'validation',
    encode: (events) => validateFrom(events, 0, []),
  };
}
