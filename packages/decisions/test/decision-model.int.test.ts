import { createEventStore, type EventStore } from '@tally/eventstore';
import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandHandler, isRejection } from '../src/index.js';
import { courseTag, maxCoursesPerStudent, studentTag, subscribe, type CourseEvent, type Subscribe } from './guide/courses.js';

let database: TestDatabase;
let store: EventStore<CourseEvent>;
beforeAll(async () => {
  database = await createTestDatabase();
  store = createEventStore<CourseEvent>({ connectionString: database.url, maxConnections: 10 });
});
afterAll(async () => {
  await store.close();
  await database.drop();
});

const capacity = 3;
const define = (courseId: string) => store.append([{ type: 'CourseDefined', data: { courseId, capacity }, tags: [courseTag(courseId)] }]);
const subscription = (courseId: string, studentId: string) =>
  ({ type: 'StudentSubscribed', data: { courseId, studentId }, tags: [courseTag(courseId), studentTag(studentId)] }) as const;

/** The store, with `interloper` appending right before the handler's first append (between its read and its append). */
function interleaved(interloper: () => Promise<unknown>): EventStore<CourseEvent> {
  let armed = true;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'append') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<EventStore<CourseEvent>['append']>) => {
        if (armed) {
          armed = false;
          await interloper();
        }
        return target.append(...args);
      };
    },
  });
}

describe('decisionModel (DCB courses): one condition guards both states', () => {
  for (const mode of ['optimistic', 'locked'] as const) {
    it(`${mode}: 20 racing subscriptions (5 students x 4 courses of 3 seats, 2 courses a student) never exceed either limit, and every refusal holds in the final fold`, async () => {
      const courses = [1, 2, 3, 4].map((n) => `${mode}-c${n}`);
      const students = [1, 2, 3, 4, 5].map((n) => `${mode}-s${n}`);
      for (const courseId of courses) await define(courseId);
      // Two handlers (as two processes would be): no in-process lane is shared, every command races in the database.
      const handlers = [createCommandHandler(store, { mode, maxAttempts: 100 }), createCommandHandler(store, { mode, maxAttempts: 100 })];
      const commands: Subscribe[] = courses.flatMap((courseId) => students.map((studentId) => ({ courseId, studentId })));
      const outcomes = await Promise.all(
        commands.map((cmd, i) =>
          handlers[i % 2]!.handle(subscribe, cmd).then(
            (result) => ({ cmd, ok: result }),
            (error: unknown) => ({ cmd, error }),
          ),
        ),
      );

      const { events } = await store.read(); // everything stored
      const mine = events.flatMap((e) => (e.type === 'StudentSubscribed' && courses.includes(e.data.courseId) ? [e] : []));
      const perCourse = (courseId: string) => mine.filter((e) => e.data.courseId === courseId).length;
      const perStudent = (studentId: string) => mine.filter((e) => e.data.studentId === studentId).length;
      for (const courseId of courses) expect(perCourse(courseId)).toBeLessThanOrEqual(capacity);
      for (const studentId of students) expect(perStudent(studentId)).toBeLessThanOrEqual(maxCoursesPerStudent);
      expect(new Set(mine.map((e) => `${e.data.courseId}/${e.data.studentId}`)).size).toBe(mine.length);

      // The model's own full fold of everything stored agrees.
      for (const cmd of commands) {
        const { course, student } = subscribe.fold(cmd, events);
        expect(course.students.length).toBe(perCourse(cmd.courseId));
        expect(student.courses).toBe(perStudent(cmd.studentId));
      }

      // Each command either stored its subscription, or was refused for a reason the final state still shows
      // (counts only grow: a refusal that does not hold at the end was decided on a stale state).
      let accepted = 0;
      for (const outcome of outcomes) {
        const { courseId, studentId } = outcome.cmd;
        if ('ok' in outcome) {
          accepted++;
          expect(outcome.ok.events.map((e) => e.data)).toEqual([{ courseId, studentId }]);
          continue;
        }
        const { error } = outcome;
        if (isRejection(error, 'COURSE_FULL')) expect(perCourse(courseId)).toBe(capacity);
        else if (isRejection(error, 'TOO_MANY_COURSES')) expect(perStudent(studentId)).toBe(maxCoursesPerStudent);
        else throw error;
      }
      expect(accepted).toBe(mine.length);
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThanOrEqual(students.length * maxCoursesPerStudent);
    });
  }

  it("is refused when the student's other subscription lands between read and append (the student part's condition), then refused by the rule", async () => {
    await define('i-c1');
    await define('i-c2');
    await define('i-c3');
    await store.append([subscription('i-c1', 'i-s1')]);
    // Tagged course:i-c2 and student:i-s1: only the student part of a subscription of i-s1 to i-c3 matches it.
    const other = interleaved(() => store.append([subscription('i-c2', 'i-s1')]));
    await expect(createCommandHandler(other, { maxAttempts: 1 }).handle(subscribe, { courseId: 'i-c3', studentId: 'i-s1' })).rejects.toMatchObject({
      code: 'DECISION_CONFLICT',
    });
    const retried = await createCommandHandler(store, { maxAttempts: 3 }).handle(subscribe, { courseId: 'i-c3', studentId: 'i-s1' }).catch((e: unknown) => e);
    expect(isRejection(retried, 'TOO_MANY_COURSES')).toBe(true);
  });

  it('is refused when another student takes the last seat between read and append (the course part\'s condition)', async () => {
    await define('j-c1');
    await store.append([subscription('j-c1', 'j-s1'), subscription('j-c1', 'j-s2')]);
    const other = interleaved(() => store.append([subscription('j-c1', 'j-s3')]));
    const handler = createCommandHandler(other, { maxAttempts: 3 });
    const error = await handler.handle(subscribe, { courseId: 'j-c1', studentId: 'j-s4' }).catch((e: unknown) => e);
    expect(isRejection(error, 'COURSE_FULL')).toBe(true);
    const { events } = await store.read([{ types: ['StudentSubscribed'], tags: [courseTag('j-c1')] }]);
    expect(events.map((e) => e.data.studentId)).toEqual(['j-s1', 'j-s2', 'j-s3']);
  });

  it('is not refused by an event that matches neither part', async () => {
    await define('k-c1');
    await define('k-c2');
    const other = interleaved(() => store.append([subscription('k-c2', 'k-s2')]));
    const { attempts, events } = await createCommandHandler(other, { maxAttempts: 1 }).handle(subscribe, { courseId: 'k-c1', studentId: 'k-s1' });
    expect(attempts).toBe(1);
    expect(events).toHaveLength(1);
  });
});
