/**
 * A floor for scenario (c): the least work that parks an execution of PARK_DEFINITION and keeps what its
 * API must answer later, written for this one definition (no API validation, no store, no interpreter):
 * a name and ARN, the execution's record, its input parsed, the Pass state's output, four history events,
 * and a one-hour timer. Parks 10,000 in bursts of 200 in a fresh process, as scenario (c) does, and
 * prints µs per parked execution; no engine can park faster in Node on the same machine.
 *
 *   node --import tsx bench/runtime/park-floor.ts
 */
import { randomUUID } from 'node:crypto';
import { PARK_DEFINITION } from './scenarios.ts';

const COUNT = 10_000;
const BURST = 200;
const ONE_HOUR_MS = 3_600_000;

interface ParkedExecution {
  arn: string;
  name: string;
  input: string;
  startDate: number;
  history: { id: number; previousEventId: number; type: string; timestamp: number; details: object }[];
  state: { name: string; input: unknown; inputJson: string; wakeAt: number };
  timer: NodeJS.Timeout;
}

const executions = new Map<string, ParkedExecution>();
const { Prepare } = PARK_DEFINITION.States;

function park(inputJson: string): Promise<{ executionArn: string }> {
  const name = randomUUID();
  const arn = `arn:aws:states:us-east-1:000000000000:execution:park:${name}`;
  const startDate = Date.now();
  const input = JSON.parse(inputJson) as Record<string, unknown>;
  const output = { ...input, phase: Prepare.Result };
  const outputJson = JSON.stringify(output);
  const event = (id: number, type: string, details: object) => ({
    id,
    previousEventId: id - 1,
    type,
    timestamp: Date.now(),
    details,
  });
  executions.set(arn, {
    arn,
    name,
    input: inputJson,
    startDate,
    history: [
      event(1, 'ExecutionStarted', { input: inputJson }),
      event(2, 'PassStateEntered', { name: 'Prepare', input: JSON.stringify(input) }),
      event(3, 'PassStateExited', { name: 'Prepare', output: outputJson }),
      event(4, 'WaitStateEntered', { name: 'Park', input: outputJson }),
    ],
    state: { name: 'Park', input: output, inputJson: outputJson, wakeAt: Date.now() + ONE_HOUR_MS },
    timer: setTimeout(() => undefined, ONE_HOUR_MS),
  });
  return Promise.resolve({ executionArn: arn });
}

const started = performance.now();
for (let first = 0; first < COUNT; first += BURST) {
  const ids = Array.from({ length: BURST }, (_, index) => first + index);
  await Promise.all(ids.map((id) => park(JSON.stringify({ id }))));
}
const microseconds = ((performance.now() - started) * 1000) / COUNT;
console.log(`floor: ${microseconds.toFixed(1)} µs per parked execution (${executions.size} parked)`);
for (const execution of executions.values()) clearTimeout(execution.timer);
