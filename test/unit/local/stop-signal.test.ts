import { describe, expect, it } from 'vitest';
import { RealClock, sleep, VirtualClock, waitUntil } from '#local/clock.ts';
import { Stopper } from '#local/stop-signal.ts';

describe('Stopper', () => {
  it('calls each listener once with the reason set, and none that was removed', () => {
    // Prepare
    const stopper = new Stopper();
    const heard: unknown[] = [];
    const listener = () => heard.push(stopper.reason);
    const removed = () => heard.push('removed');
    stopper.addEventListener('abort', listener);
    stopper.addEventListener('abort', listener);
    stopper.addEventListener('abort', removed);
    stopper.removeEventListener('abort', removed);
    // Act
    stopper.stop('finished');
    stopper.stop('again');
    // Assess
    expect(heard).toEqual(['finished']);
    expect(stopper.aborted).toBe(true);
    expect(stopper.reason).toBe('finished');
  });

  it('calls a listener object through its handleEvent, as event targets do', () => {
    // Prepare
    const stopper = new Stopper();
    const heard: unknown[] = [];
    const listener = { handleEvent: () => heard.push(stopper.reason) };
    stopper.addEventListener('abort', listener);
    // Act
    stopper.stop('closing');
    // Assess
    expect(heard).toEqual(['closing']);
  });

  it('ends a clock wait once: woken, a later stop is not heard; stopped first, its timer is gone', async () => {
    // Prepare
    const clock = new VirtualClock();
    const woken = new Stopper();
    const stoppedFirst = new Stopper();
    const outcomes: string[] = [];
    const waiter = (label: string) => ({
      wake: () => outcomes.push(`${label} woke`),
      stopped: (reason: unknown) => outcomes.push(`${label} stopped: ${String(reason)}`),
    });
    waitUntil(clock, clock.now() + 1_000, woken, waiter('first'));
    waitUntil(clock, clock.now() + 5_000, stoppedFirst, waiter('second'));
    // Act
    await clock.advance(1_000);
    woken.stop('late');
    stoppedFirst.stop('halted');
    // Assess
    expect(outcomes).toEqual(['first woke', 'second stopped: halted']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops a real clock sleep with its reason, and refuses a sleep once stopped', async () => {
    // Prepare
    const clock = new RealClock(1);
    const stopper = new Stopper();
    const sleeping = sleep(clock, 3_600_000, stopper);
    // Act
    stopper.stop('closing');
    // Assess
    await expect(sleeping).rejects.toBe('closing');
    await expect(sleep(clock, 1, stopper)).rejects.toBe('closing');
  });
});
