/** The Dynamic Consistency Boundary course example: quoted by docs/deciders.md, run by decision-model.int.test.ts. */
import { decisionModel, reject, type DecisionPart } from '../../src/index.js';

// #region courses
export type CourseEvent =
  | { type: 'CourseDefined'; data: { courseId: string; capacity: number } }
  | { type: 'StudentSubscribed'; data: { courseId: string; studentId: string } };

export const courseTag = (courseId: string) => `course:${courseId}`;
export const studentTag = (studentId: string) => `student:${studentId}`;
export const maxCoursesPerStudent = 2;

export interface Subscribe {
  readonly courseId: string;
  readonly studentId: string;
}

/** The course: defined or not, its capacity, who subscribed. */
export const courseSeats = (courseId: string): DecisionPart<CourseEvent, { capacity?: number; students: readonly string[] }> => ({
  query: [{ types: ['CourseDefined', 'StudentSubscribed'], tags: [courseTag(courseId)] }],
  initialState: () => ({ students: [] }),
  evolve: (state, event) =>
    event.type === 'CourseDefined' ? { ...state, capacity: event.data.capacity } : { ...state, students: [...state.students, event.data.studentId] },
});

/** How many courses the student subscribed to (any course). */
export const studentLoad = (studentId: string): DecisionPart<CourseEvent, { courses: number }> => ({
  query: [{ types: ['StudentSubscribed'], tags: [studentTag(studentId)] }],
  initialState: () => ({ courses: 0 }),
  evolve: (state) => ({ courses: state.courses + 1 }),
});

export const subscribe = decisionModel<CourseEvent>()({
  name: 'subscribe',
  parts: (cmd: Subscribe) => ({ course: courseSeats(cmd.courseId), student: studentLoad(cmd.studentId) }),
  decide: (cmd, { course, student }) => {
    if (course.capacity === undefined) reject('COURSE_NOT_FOUND', { courseId: cmd.courseId });
    if (course.students.includes(cmd.studentId)) reject('ALREADY_SUBSCRIBED', cmd);
    if (course.students.length >= course.capacity) reject('COURSE_FULL', { capacity: course.capacity });
    if (student.courses >= maxCoursesPerStudent) reject('TOO_MANY_COURSES', { courses: student.courses });
    return [{ type: 'StudentSubscribed', data: { courseId: cmd.courseId, studentId: cmd.studentId }, tags: [courseTag(cmd.courseId), studentTag(cmd.studentId)] }];
  },
});
// #endregion courses
