import type { StateResult, StateRun, StateWait } from '../state-run.ts';
import type { State, StateType } from '../types.ts';
import { runChoice } from './choice.ts';
import { runFail } from './fail.ts';
import { runMap } from './map.ts';
import { runParallel } from './parallel.ts';
import { runPass } from './pass.ts';
import { runSucceed } from './succeed.ts';
import { runTask } from './task.ts';
import { runWait } from './wait.ts';

/**
 * A state type's module: its result, a Wait's instant to run it again, or a promise of either (a state that
 * waits for outside work, or evaluates JSONata).
 */
export type StateModule = (
  run: StateRun<State>,
) => StateResult | StateWait | Promise<StateResult> | Promise<StateResult | StateWait>;

/**
 * The module that runs each state type; states without outside effects answer synchronously, and a Wait
 * before its instant answers when to run it again.
 */
export const STATE_HANDLERS: Record<StateType, StateModule> = {
  Pass: runPass as StateModule,
  Task: runTask as StateModule,
  Choice: runChoice as StateModule,
  Wait: runWait as StateModule,
  Succeed: runSucceed as StateModule,
  Fail: runFail as StateModule,
  Parallel: runParallel as StateModule,
  Map: runMap as StateModule,
};
