import { describe, expect, it } from 'vitest';
import { RealClock, sleep } from '#local/clock.ts';
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
