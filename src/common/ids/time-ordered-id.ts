import { v7 as uuidv7 } from 'uuid';

/**
 * A UUIDv7: time-ordered, so rows written in the same millisecond (the parts of a long text, the events of
 * one webhook batch) still sort in the order they were written, and inserts stay index-friendly.
 */
export function timeOrderedId(): string {
  return uuidv7();
}
