import type { StateResult, StateRun } from '../state-run.ts';
import type { State, StateType } from '../types.ts';
import { runChoice } from './choice.ts';
import { runFail } from './fail.ts';
import { runMap } from './map.ts';
import { runParallel } from './parallel.ts';
import { runPass } from './pass.ts';
import { runSucceed } from './succeed.ts';
import { runTask } from './task.ts';
import { runWait } from './wait.ts';

/** The module that runs each state type; states without outside effects answer synchronously. */
export const STATE_HANDLERS: Record<StateType, (run: StateRun<State>) => StateResult | Promise<StateResult>> =
  {
    Pass: runPass as (run: StateRun<State>) => StateResult | Promise<StateResult>,
    Task: runTask as (run: StateRun<State>) => StateResult | Promise<StateResult>,
    Choice: runChoice as (run: StateRun<State>) => StateResult | Promise<StateResult>,
    Wait: runWait as (run: StateRun<State>) => StateResult | Promise<StateResult>,
    Succeed: runSucceed as (run: StateRun<State>) => StateResult | Promise<StateResult>,
    Fail: runFail as (run: StateRun<State>) => StateResult | Promise<StateResult>,
    Parallel: runParallel as (run: StateRun<State>) => StateResult | Promise<StateResult>,
    Map: runMap as (run: StateRun<State>) => StateResult | Promise<StateResult>,
  };
