import { describe, expect, it } from 'vitest';
import { afterCheck, bakeSchedule, checkIntervalSeconds } from '#core/plan/index.ts';

describe('bake schedules', () => {
  it('cuts a bake into checks every interval, the final analysis at its end', () => {
    expect(bakeSchedule(100, 30)).toEqual({ checks: 3, checkSeconds: 30, finalSeconds: 10 });
    expect(bakeSchedule(90, 30)).toEqual({ checks: 2, checkSeconds: 30, finalSeconds: 30 });
    // A bake of one interval or less, or one nothing judges, has no check
    expect(bakeSchedule(30, 30)).toEqual({ checks: 0, checkSeconds: 30, finalSeconds: 30 });
    expect(bakeSchedule(600)).toEqual({ checks: 0, checkSeconds: 600, finalSeconds: 600 });
  });

  it('walks a bake check by check to its final analysis', () => {
    // Prepare
    const schedule = bakeSchedule(100, 30);
    let progress = { checksLeft: schedule.checks, waitSeconds: schedule.checkSeconds };
    const waits = [progress.waitSeconds];
    // Act
    while (progress.checksLeft > 0) {
      progress = afterCheck(progress, schedule, new Date().toISOString());
      waits.push(progress.waitSeconds);
    }
    // Assess: the waits add up to the bake
    expect(waits).toEqual([30, 30, 30, 10]);
  });

  it('checks less often than the analysis interval only when the bakes would take over 500 checks', () => {
    expect(checkIntervalSeconds(30, [300, 600], 'local')).toBe(30);
    expect(checkIntervalSeconds(30, [15_000], 'prometheus')).toBe(30);
    expect(checkIntervalSeconds(30, [86_400, 86_400], 'local')).toBe(346);
  });

  it("checks CloudWatch's per-minute numbers a whole number of minutes apart, so no two checks judge one minute", () => {
    expect(checkIntervalSeconds(30, [300], 'cloudwatch')).toBe(60);
    expect(checkIntervalSeconds(90, [300], 'cloudwatch')).toBe(120);
    expect(checkIntervalSeconds(30, [86_400, 86_400], 'cloudwatch')).toBe(360);
    // An alarm's state is read as it is: no period to keep to
    expect(checkIntervalSeconds(30, [300], 'cloudwatch-alarms')).toBe(30);
  });
});
