import type { StoredEvent } from '@tally/eventstore';
import { createInMemoryEventStore, storedEvents } from '@tally/eventstore/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createCommandHandler, decisionModel, defineDecision, InvalidDecisionError, isRejection, type CommandHandler, type Decision, type DecisionModelHistory } from '../src/index.js';
import { courseSeats, courseTag, studentLoad, studentTag, subscribe, type CourseEvent, type Subscribe } from './guide/courses.js';

const defined = (courseId: string, capacity: number) => ({ type: 'CourseDefined', data: { courseId, capacity }, tags: [courseTag(courseId)] }) as const;
const subscribed = (courseId: string, studentId: string) =>
  ({ type: 'StudentSubscribed', data: { courseId, studentId }, tags: [courseTag(courseId), studentTag(studentId)] }) as const;

describe('decisionModel: types', () => {
  it('types each part state, and takes the command type from parts', () => {
    expectTypeOf(subscribe).toExtend<Decision<CourseEvent, Subscribe, DecisionModelHistory<CourseEvent>>>();
    expectTypeOf(subscribe.fold).returns.toEqualTypeOf<{ course: { capacity?: number; students: readonly string[] }; student: { courses: number } }>();
    decisionModel<CourseEvent>()({
      name: 'typed',
      parts: (cmd: Subscribe) => ({ course: courseSeats(cmd.courseId), student: studentLoad(cmd.studentId) }),
      decide: (cmd, states) => {
        expectTypeOf(cmd).toEqualTypeOf<Subscribe>();
        expectTypeOf(states.student.courses).toEqualTypeOf<number>();
        expectTypeOf(states.course.students).toEqualTypeOf<readonly string[]>();
        return [];
      },
    });
    const callSites = (handler: CommandHandler<CourseEvent>) => {
      void handler.handle(subscribe, { courseId: 'c1', studentId: 's1' });
      // @ts-expect-error studentId is missing
      void handler.handle(subscribe, { courseId: 'c1' });
    };
    expect(callSites).toBeTypeOf('function');
  });
});

describe('decisionModel: one read, one condition, each event folded into the parts it matches', () => {
  it("reads the union of the parts' queries, and is guarded by the union of their conditions", () => {
    expect(subscribe.query({ courseId: 'c1', studentId: 's1' })).toEqual([
      { types: ['CourseDefined', 'StudentSubscribed'], tags: ['course:c1'] },
      { types: ['StudentSubscribed'], tags: ['student:s1'] },
    ]);
    expect(subscribe.condition?.({ courseId: 'c1', studentId: 's1' })).toEqual(subscribe.query({ courseId: 'c1', studentId: 's1' }));
  });

  it('folds an event into every part whose query matches it, and into no other', () => {
    const history = storedEvents<CourseEvent>([
      defined('c1', 3),
      defined('c2', 3),
      subscribed('c1', 's1'), // both parts
      subscribed('c1', 's2'), // the course only
      subscribed('c2', 's1'), // the student only
      subscribed('c2', 's2'), // neither
    ]);
    expect(subscribe.fold({ courseId: 'c1', studentId: 's1' }, history)).toEqual({ course: { capacity: 3, students: ['s1', 's2'] }, student: { courses: 2 } });
  });

  it('takes a part condition narrower than its query, keeps each item once, and reads everything when a part does', () => {
    type Seen = { readonly seen: number };
    const part = (query: readonly { types: readonly CourseEvent['type'][]; tags: readonly string[] }[], condition?: typeof query) => ({
      query,
      ...(condition ? { condition } : {}),
      initialState: (): Seen => ({ seen: 0 }),
      evolve: (state: Seen) => ({ seen: state.seen + 1 }),
    });
    const model = decisionModel<CourseEvent, Subscribe, { a: Seen; b: Seen }>({
      name: 'narrow',
      parts: (cmd) => ({
        a: part([{ types: ['CourseDefined', 'StudentSubscribed'], tags: [courseTag(cmd.courseId)] }], [{ types: ['StudentSubscribed'], tags: [courseTag(cmd.courseId)] }]),
        b: part([{ types: ['CourseDefined', 'StudentSubscribed'], tags: [courseTag(cmd.courseId)] }]),
      }),
      decide: () => [],
    });
    const cmd = { courseId: 'c1', studentId: 's1' };
    expect(model.query(cmd)).toEqual([{ types: ['CourseDefined', 'StudentSubscribed'], tags: ['course:c1'] }]);
    expect(model.condition?.(cmd)).toEqual([
      { types: ['StudentSubscribed'], tags: ['course:c1'] },
      { types: ['CourseDefined', 'StudentSubscribed'], tags: ['course:c1'] },
    ]);
    const everything = decisionModel<CourseEvent, Subscribe, { a: Seen; all: Seen }>({
      name: 'everything',
      parts: (c) => ({ a: part([{ types: ['StudentSubscribed'], tags: [studentTag(c.studentId)] }]), all: part([]) }),
      decide: () => [],
    });
    expect(everything.query(cmd)).toEqual([]);
    const history = storedEvents<CourseEvent>([defined('c9', 1), subscribed('c9', 's1')]);
    expect(everything.fold(cmd, history)).toEqual({ a: { seen: 1 }, all: { seen: 2 } });
  });

  it('decides on a memory store through the handler, with the states of this command only', async () => {
    const store = createInMemoryEventStore<CourseEvent>();
    await store.append([defined('c1', 2), defined('c2', 5), subscribed('c1', 'x'), subscribed('c2', 's1'), subscribed('c2', 'y')]);
    const handler = createCommandHandler(store);
    const { events } = await handler.handle(subscribe, { courseId: 'c1', studentId: 's1' });
    expect(events.map((e) => [e.type, e.tags])).toEqual([['StudentSubscribed', ['course:c1', 'student:s1']]]);
    const full = await handler.handle(subscribe, { courseId: 'c1', studentId: 's2' }).catch((e: unknown) => e);
    expect(isRejection(full, 'COURSE_FULL') && full.data).toEqual({ capacity: 2 });
    const missing = await handler.handle(subscribe, { courseId: 'nope', studentId: 's2' }).catch((e: unknown) => e);
    expect(isRejection(missing, 'COURSE_NOT_FOUND')).toBe(true);
    await handler.handle(subscribe, { courseId: 'c2', studentId: 's3' });
    const tooMany = await handler.handle(subscribe, { courseId: 'c3', studentId: 's1' }).catch((e: unknown) => e);
    expect(isRejection(tooMany, 'COURSE_NOT_FOUND')).toBe(true); // checked before the student's load
    await store.append([defined('c3', 5)]);
    const limit = await handler.handle(subscribe, { courseId: 'c3', studentId: 's1' }).catch((e: unknown) => e);
    expect(isRejection(limit, 'TOO_MANY_COURSES') && limit.data).toEqual({ courses: 2 });
  });

  it('composes: a model is a decision, usable wherever one is (here: wrapped by defineDecision)', async () => {
    const store = createInMemoryEventStore<CourseEvent>();
    await store.append([defined('c1', 1)]);
    const audited = defineDecision({ ...subscribe, name: 'subscribe-audited' });
    const { events } = await createCommandHandler(store).handle(audited, { courseId: 'c1', studentId: 's1' });
    expect(events).toHaveLength(1);
  });

  it('refuses malformed definitions and parts', async () => {
    expect(() => decisionModel<CourseEvent>()({ name: '', parts: () => ({}), decide: () => [] })).toThrow(InvalidDecisionError);
    expect(() => decisionModel<CourseEvent>()({ name: 'm', parts: undefined as unknown as () => object, decide: () => [] })).toThrow(/parts must be a function/);
    const bad = decisionModel<CourseEvent, Subscribe, { a: number }>({
      name: 'bad',
      parts: () => ({ a: { query: 'all' as unknown as [], initialState: () => 0, evolve: (s: number) => s } }),
      decide: () => [],
    });
    expect(() => bad.query({ courseId: 'c', studentId: 's' })).toThrow(/decision model "bad", part "a": query must be an array of query items/);
    const none = decisionModel<CourseEvent, Subscribe, object>({ name: 'none', parts: () => ({}), decide: () => [] });
    expect(() => none.query({ courseId: 'c', studentId: 's' })).toThrow(/returned no part/);
    const noFold = decisionModel<CourseEvent, Subscribe, { a: number }>({
      name: 'no-fold',
      parts: () => ({ a: { query: [], initialState: () => 0 } as unknown as { query: []; initialState: () => number; evolve: (s: number) => number } }),
      decide: () => [],
    });
    expect(() => noFold.fold({ courseId: 'c', studentId: 's' }, [] as StoredEvent<CourseEvent>[])).toThrow(/initialState and evolve must be functions/);
  });
});
