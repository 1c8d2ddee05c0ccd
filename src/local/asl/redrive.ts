/**
 * What a redrive runs on from: the frames an execution kept when it ended FAILED, ABORTED or TIMED_OUT,
 * turned into the cursors of a fresh attempt at each unfinished step.
 */
import type { FrameRow } from '../store.ts';
import type { StoredCursor } from './frame.ts';

/**
 * The frames a redriven execution starts from: a finished branch or iteration keeps its output; a Parallel
 * or Map state running its children keeps its settings and runs the unfinished ones (a Distributed Map's
 * Map Run redrives its children that did not succeed); every other flow enters again the state it stood at, with that state's input, its workflow variables and new retry counters (a task is invoked
 * anew, a Wait waits its whole time again).
 */
export function redrivenFrames(frames: readonly FrameRow[]): FrameRow[] {
  return frames.flatMap((frame): FrameRow[] => {
    const cursor = JSON.parse(frame.cursor) as StoredCursor;
    if (cursor.phase === 'done') return [frame];
    if (cursor.phase === 'children') {
      if (cursor.failure === undefined) return [frame];
      const { failure: _ranAgain, ...running } = cursor;
      return [{ ...frame, cursor: JSON.stringify(running) }];
    }
    const { state, variables, lastEventId } = cursor;
    const entering: StoredCursor = { state, phase: 'enter', variables, lastEventId };
    return [{ ...frame, cursor: JSON.stringify(entering) }];
  });
}
