import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateStateMachineCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVE_BODY_SCHEMA, REJECT_BODY_SCHEMA } from '#core/api-routes.ts';
import type { ServiceRef } from '#core/types.ts';
import { startTraffic } from '#local/adapters/traffic-generator.ts';
import { ABORT_BODY_SCHEMA } from '#local/console/console-routes.ts';
import { blueGreenInput, canaryInput } from '#test/builders/release-request.ts';
import { launchChromium } from '#test/support/browser.ts';
import { anAppRelease } from '#test/support/local-app.ts';
import { waitForExecution } from '#test/support/local-runtime.ts';
import { aCanaryWithApproval, useProjectRuntime } from '#test/support/project-runtime.ts';

const UI_TIMEOUT_MS = 30_000;
/** Longer than the page ignores a confirming click or key for, after the first one armed Reject or Abort. */
const DELIBERATE_MS = 700;
/** How long the page waits for an answer before it gives up on a request. */
const REQUEST_TIMEOUT_MS = 10_000;

const project = useProjectRuntime();
const { replicaPids } = project;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${project.runtime().endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Resolves after `ms` of real time: a user's pause between two clicks. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What has keyboard focus: `action <name>`, `status line` or the element's tag. */
function focusOf(page: Page): Promise<string> {
  return page.locator('body').evaluate((body) => {
    const focused = body.ownerDocument.activeElement;
    if (!focused) return 'nothing';
    if (focused.getAttribute('role') === 'status') return 'status line';
    const action = focused.closest('.actions [data-action]');
    return action ? `action ${action.getAttribute('data-action')}` : focused.tagName;
  });
}

async function statusOf(executionId: string): Promise<string> {
  const response = await fetch(`${project.runtime().endpoint}/releases/${encodeURIComponent(executionId)}`);
  return String(((await response.json()) as { status: unknown }).status);
}

/**
 * A canary at `weight`% that never gets enough requests to be judged: it re-analyses every 0.5 s (scaled),
 * each time with a new inconclusive verdict, for 50 s.
 */
function anUndecidedCanary(weight: number) {
  return (service: ServiceRef, version = 'v2') =>
    canaryInput(
      {
        steps: [{ weight, bakeSeconds: 0 }],
        analysis: { minRequests: 1_000_000, intervalSeconds: 500, inconclusiveLimit: 100 },
      },
      { service, release: anAppRelease(version), scaleDownDelaySeconds: 0 },
    );
}

/**
 * Releases v1 of the service (a first release goes straight to 100%), then starts the canary `name` of v2
 * (by default {@link aCanaryWithApproval}) with traffic on the proxy; the traffic runs until the returned `stop`.
 */
async function startCanary(service: ServiceRef, name: string, request = aCanaryWithApproval) {
  const first = await post(`/releases/canary?name=${name}-v1`, aCanaryWithApproval(service, 'v1'));
  while ((await statusOf(String(first.json.executionId))) === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const traffic = startTraffic({
    url: await project.runtime().runtime.adapters!.router.url(service),
    ratePerSecond: 50,
  });
  const started = await post(`/releases/canary?name=${name}`, request(service, 'v2'));
  expect(started.status).toBe(200);
  return { executionId: String(started.json.executionId), stop: () => traffic.stop() };
}

/** An execution of a state machine `machine` of one Pass state: it has ended when this returns. */
async function aFinishedExecution(machine: string, name: string): Promise<string> {
  const { client } = project.runtime();
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: machine,
      definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
      roleArn: 'arn:aws:iam::000000000000:role/console',
    }),
  );
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name }));
  await waitForExecution(client, executionArn!);
  return `${machine}:${name}`;
}

/**
 * A running execution of a state machine `machine` that waits (for hours, even at the runtime's scaled
 * clock) in one Wait state: nothing about it changes until it is stopped with the returned `stop`.
 */
async function aWaitingExecution(machine: string, name: string) {
  const { client } = project.runtime();
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: machine,
      definition: JSON.stringify({
        StartAt: 'Waiting',
        States: { Waiting: { Type: 'Wait', Seconds: 99_999_999, End: true } },
      }),
      roleArn: 'arn:aws:iam::000000000000:role/console',
    }),
  );
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name }));
  return {
    executionId: `${machine}:${name}`,
    stop: () => client.send(new StopExecutionCommand({ executionArn })),
  };
}

/** The width the placeholder of input `name` takes, and the room the input has for text, in CSS pixels. */
function roomOf(page: Page, name: string): Promise<{ placeholder: number; room: number }> {
  return page.locator(`input[name="${name}"]`).evaluate((input) => {
    const style = input.ownerDocument.defaultView!.getComputedStyle(input);
    const probe = input.ownerDocument.createElement('span');
    Object.assign(probe.style, { font: style.font, whiteSpace: 'pre', position: 'absolute' });
    probe.textContent = input.getAttribute('placeholder');
    input.ownerDocument.body.append(probe);
    const placeholder = probe.getBoundingClientRect().width;
    probe.remove();
    const room =
      input.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
    return { placeholder, room };
  });
}

/** Answers the page's requests for the console API's `path` with what `rewrite` makes of the runtime's answer. */
async function rewriteAnswer<T>(page: Page, path: string, rewrite: (answer: T) => unknown): Promise<void> {
  await page.route(
    (url) => url.pathname === path,
    async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: rewrite((await response.json()) as T) });
    },
  );
}

/** Answers the page's requests for an execution's detail with what `rewrite` makes of the runtime's answer. */
function rewriteDetail<T>(page: Page, executionId: string, rewrite: (detail: T) => unknown): Promise<void> {
  return rewriteAnswer(page, `/console/api/executions/${encodeURIComponent(executionId)}`, rewrite);
}

/** Opens the console's page of one execution, from the list as a user would. */
async function openFromList(executionId: string, width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  await page.goto(`${project.runtime().endpoint}/`);
  await page.locator(`tr[data-execution="${executionId}"] a`).click({ timeout: UI_TIMEOUT_MS });
  return page;
}

/** The console API paths the page asks for while `ms` pass on its (installed) clock. */
async function askedWhile(page: Page, ms: number): Promise<string[]> {
  const asked: string[] = [];
  const listen = (request: Request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/console/api/')) asked.push(path);
  };
  page.on('request', listen);
  await page.clock.runFor(ms);
  // Every request the page made before this one has been seen once this one has.
  await page.evaluate(() => fetch('/console/console.css'));
  page.off('request', listen);
  return asked;
}

/** The WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (colour: string) => {
    const [r, g, b] = (colour.match(/\d+/g) ?? []).map((channel) => {
      const value = Number(channel) / 255;
      return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** The background colour of each element `selector` matches, by its `data-track`. */
function coloursOf(page: Page, selector: string): Promise<Record<string, string>> {
  return page
    .locator(selector)
    .evaluateAll((items) =>
      Object.fromEntries(
        items.map((item) => [
          item.closest('[data-track]')!.getAttribute('data-track'),
          item.ownerDocument.defaultView!.getComputedStyle(item).backgroundColor,
        ]),
      ),
    );
}

describe('console', () => {
  it('follows a canary (weights, verdicts, states, notifications) and approves it', async () => {
    // Prepare
    const service = { name: 'console-approve', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v2');
    const page = await openFromList(executionId);
    try {
      await page.locator('button.approve').waitFor({ timeout: UI_TIMEOUT_MS });
      const weights = await page.locator('.legend [data-track]').allTextContents();
      const verdicts = await page.locator('li.verdict').allTextContents();
      const listedWhileRunning = await page.locator('h1 [data-status]').textContent();
      const meta = await page.locator('h1 + p.muted').textContent();
      const deadline = await page.locator('[data-approval-deadline]').textContent();
      const stage = await page.locator('[data-approval-stage]').textContent();
      const runtime = project.runtime().runtime;
      const detail = (await (
        await fetch(`${runtime.endpoint}/console/api/executions/${encodeURIComponent(executionId)}`)
      ).json()) as { approvalTimesOutAt: number };
      // Act
      await page.fill('input[name="comment"]', 'dashboards look good');
      await page.click('button.approve');
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const states = await page
        .locator('[data-state]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-state')));
      const notifications = await page.locator('[data-notification]').allTextContents();
      replicaPids.push(...project.runtime().runtime.adapters!.cluster.pids(service, 'stable'));
      // Assess
      expect(listedWhileRunning).toBe('RUNNING');
      expect(meta).toMatch(/^canary · shop\/console-approve v2 · started .+ · now in PauseAfterStep$/);
      expect(notifications).toEqual([
        expect.stringMatching(/^Started at .+: canary release v2 of shop\/console-approve started$/),
        expect.stringMatching(
          /^ApprovalRequested at .+: .+ waits for approval before the promotion for up to 86400s, then rolls back: cutover approve checkout-ui-v2, or POST \/releases\/canary:checkout-ui-v2\/approve {"stage":"promote","timeoutSeconds":86400,"onTimeout":"rollback"}$/,
        ),
        expect.stringMatching(/^Promoted at .+: canary release v2 of shop\/console-approve promoted: /),
        expect.stringMatching(/^Succeeded at .+: canary release v2 of shop\/console-approve succeeded$/),
      ]);
      expect(await page.locator('[data-notification] time').first().getAttribute('datetime')).toMatch(
        /^\d{4}-.+Z$/,
      );
      // aCanaryWithApproval waits 86,400 s for an answer, on the runtime's scaled clock
      expect(deadline).toMatch(/^Unanswered, the approval times out at .+ and the release rolls back\.$/);
      expect(stage).toBe('Waiting for approval before the promotion.');
      expect(detail.approvalTimesOutAt).toBeGreaterThan(Date.now());
      expect(detail.approvalTimesOutAt).toBeLessThanOrEqual(
        Date.now() + 86_400_000 * runtime.service.clock.scale,
      );
      expect(weights).toEqual(['stable 50%', 'canary 50%']);
      // The check halfway through the bake says so; the analysis at its end decides (re-analysing while too
      // few requests came in, as a loaded machine may send); the pause before the promotion goes on checking
      // (as many checks as its interval allowed before the page was read)
      const [bakeCheck, ...afterBake] = verdicts;
      const passedAt = afterBake.findIndex((verdict) => verdict.startsWith('PASS: '));
      const reAnalysed = afterBake.slice(0, passedAt);
      const stepVerdict = afterBake[passedAt];
      const pauseChecks = afterBake.slice(passedAt + 1);
      expect(bakeCheck).toMatch(/^check · (PASS|INCONCLUSIVE): /);
      for (const verdict of reAnalysed)
        expect(verdict).toMatch(/^INCONCLUSIVE: requestCount \d+ < minRequests 5\b/);
      expect(stepVerdict).toMatch(/^PASS: .*\(requestCount=\d+ /);
      expect(stepVerdict).toMatch(/\) · judged at .+ with stable 50%, canary 50%$/);
      for (const check of pauseChecks) expect(check).toMatch(/^check · (PASS|INCONCLUSIVE): /);
      expect(await page.locator('li.verdict time').last().getAttribute('datetime')).toMatch(/^\d{4}-.+Z$/);
      expect(states).toEqual(expect.arrayContaining(['PauseAfterStep', 'Promote', 'Succeeded']));
      expect(await page.locator('button.approve').count()).toBe(0);
      expect(
        await project
          .runtime()
          .runtime.adapters!.approvals.get(`arn:aws:states:us-east-1:000000000000:execution:${executionId}`),
      ).toBeUndefined();
    } finally {
      await stop();
      await page.close();
    }
  });

  it('shows a rejection reason as text, never as markup, also in the notifications', async () => {
    // Prepare
    const service = { name: 'console-reject', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v3');
    const page = await openFromList(executionId);
    const reason = '<img src=x onerror="window.injected = true">';
    try {
      await page.locator('button.reject').waitFor({ timeout: UI_TIMEOUT_MS });
      // Act
      await page.fill('input[name="comment"]', reason);
      await page.click('button.reject');
      const afterOneClick = await page.locator('button.reject').textContent();
      const promptAfterOneClick = await page.getByRole('status').textContent();
      const pendingAfterOneClick = await project
        .runtime()
        .runtime.adapters!.approvals.get(`arn:aws:states:us-east-1:000000000000:execution:${executionId}`);
      await pause(DELIBERATE_MS);
      await page.click('button.reject');
      await page.locator('h1 [data-status="FAILED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.locator('[data-failure]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(afterOneClick).toBe('Confirm reject');
      expect(promptAfterOneClick).toBe('Press Confirm reject again to reject the release');
      expect(pendingAfterOneClick).toBeDefined();
      expect(await page.locator('[data-failure]').textContent()).toBe(
        `ApprovalRejected — rejected by console: ${reason}`,
      );
      expect(await page.locator('[data-rolled-back]').textContent()).toBe(
        'Rolled back: its tracks and traffic are as the release found them.',
      );
      expect(await page.locator('[data-notification="RolledBack"]').textContent()).toContain(
        `rejected by console: ${reason}`,
      );
      expect(await page.locator('ul.activity li').allTextContents()).toContain(
        `approval rejected by console: ${reason}`,
      );
      expect(await page.locator('#view img').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).toBeUndefined();
    } finally {
      await stop();
      await page.close();
    }
  });

  it('aborts a running release on a confirming second press, not on a held Enter, keeping the reason typed while the page refreshes', async () => {
    // Prepare
    const service = { name: 'console-abort', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v4', anUndecidedCanary(50));
    const page = await openFromList(executionId);
    // The rollback as the page sees a slow one (on a cluster it takes minutes): RUNNING, until let go
    let rollbackHeld = true;
    let answeredRollingBack = 0;
    await rewriteDetail<{ rollback?: { executionId: string } }>(page, executionId, (detail) => {
      const rollback = rollbackHeld && detail.rollback;
      if (rollback) answeredRollingBack += 1;
      return rollback
        ? { ...detail, rollback: { executionId: rollback.executionId, status: 'RUNNING' } }
        : detail;
    });
    try {
      await page.locator('li.verdict').first().waitFor({ timeout: UI_TIMEOUT_MS });
      // Act
      await page.click('input[name="reason"]');
      await page.keyboard.type('wrong image');
      for (const _ of ' image') await page.keyboard.press('ArrowLeft');
      const verdictsBefore = await page.locator('li.verdict').count();
      await expect
        .poll(() => page.locator('li.verdict').count(), { timeout: UI_TIMEOUT_MS })
        .toBeGreaterThan(verdictsBefore);
      await page.keyboard.type('er');
      await page.keyboard.press('Tab');
      // Enter held down: the key repeats, past the time a confirming press is ignored for
      await page.keyboard.down('Enter');
      await pause(DELIBERATE_MS);
      for (const _ of [1, 2, 3]) await page.keyboard.down('Enter');
      await page.keyboard.up('Enter');
      const afterHeldEnter = await page.locator('button.abort').textContent();
      const statusAfterHeldEnter = await statusOf(executionId);
      await page.keyboard.press('Enter');
      await page.locator('h1 [data-status="ABORTED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const failure = await page.locator('[data-failure]').textContent();
      // The aborted release's page follows its rollback to the end, and shows the traffic it left
      await page.locator('[data-rollback] [data-status="RUNNING"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const noteWhileRollingBack = await page.locator('[data-traffic-note]').textContent();
      // Still asking while the rollback runs (the answer to the abort and the poll due then are two)
      await expect.poll(() => answeredRollingBack, { timeout: UI_TIMEOUT_MS }).toBeGreaterThanOrEqual(3);
      while ((await statusOf('rollback:abort-checkout-ui-v4')) === 'RUNNING') await pause(20);
      rollbackHeld = false;
      await page.locator('[data-rollback] [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const shownWeights = JSON.parse((await page.locator('.weights').getAttribute('data-weights')) ?? '{}');
      const trafficNote = await page.locator('[data-traffic-note]').textContent();
      // The aborted release's page leads to its rollback
      await page.locator('[data-rollback] a').click({ timeout: UI_TIMEOUT_MS });
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const rollbackPage = await page.locator('h1').textContent();
      // Assess
      expect(afterHeldEnter).toBe('Confirm abort');
      expect(statusAfterHeldEnter).toBe('RUNNING');
      expect(failure).toBe('Aborted — wronger image');
      expect(rollbackPage).toBe('abort-checkout-ui-v4 SUCCEEDED');
      expect(await statusOf(executionId)).toBe('ABORTED');
      const routed = await project.runtime().runtime.adapters!.router.getWeights(service);
      expect(routed).toMatchObject({ stable: 100 });
      expect(shownWeights).toEqual(routed);
      expect(noteWhileRollingBack).toBe('as the release last set it: its rollback is restoring the traffic');
      expect(trafficNote).toBe('as its rollback restored it');
    } finally {
      await stop();
      await page.close();
    }
  });

  it('offers no Abort on a running rollback, saying why and linking the release it restores', async () => {
    // Prepare: a rollback of a stopped execution, as the page sees one still running
    const release = await aWaitingExecution('console-restored', 'stopped');
    const { client } = project.runtime();
    const input = JSON.stringify({
      strategy: 'canary',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:console-restored:stopped',
      input: '{}',
      reason: 'wrong image',
    });
    await client.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:rollback',
        name: 'abort-stopped',
        input,
      }),
    );
    const page = await browser.newPage();
    await rewriteDetail<{ execution: Record<string, unknown> }>(page, 'rollback:abort-stopped', (detail) => {
      const { stopDate: _stopDate, ...execution } = detail.execution;
      return { ...detail, execution: { ...execution, status: 'RUNNING' } };
    });
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/rollback%3Aabort-stopped`);
      await page.locator('[data-restores]').waitFor({ timeout: UI_TIMEOUT_MS });
      const note = await page.locator('[data-restores]').textContent();
      const abortButtons = await page.locator('button.abort, input[name="reason"]').count();
      await page.locator('[data-restores] a').click();
      await page.locator('button.abort').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(note).toMatch(/^Restores console-restored:stopped: it must run to its end/);
      expect(abortButtons).toBe(0);
      expect(await page.locator('h1').textContent()).toBe('stopped RUNNING');
    } finally {
      await release.stop();
      await page.close();
    }
  });

  it('keeps Reject, Approve and the comment field where they are when Reject is armed', async () => {
    // Prepare
    const service = { name: 'console-armed-width', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-armed');
    const page = await openFromList(executionId, 1280);
    const boxes = () =>
      Promise.all(
        ['button.reject', 'button.approve', 'input[name="comment"]'].map((selector) =>
          page.locator(selector).boundingBox(),
        ),
      );
    try {
      await page.locator('button.reject').waitFor({ timeout: UI_TIMEOUT_MS });
      const before = await boxes();
      // Act
      await page.click('button.reject');
      await page.locator('button.reject.armed').waitFor({ timeout: UI_TIMEOUT_MS });
      const armed = await boxes();
      // Assess
      expect(await page.locator('button.reject').textContent()).toBe('Confirm reject');
      // The reserved label is not part of the button's name
      expect(await page.getByRole('button', { name: 'Confirm reject', exact: true }).count()).toBe(1);
      expect(armed).toEqual(before);
    } finally {
      await stop();
      await page.close();
    }
  });

  it('approves once when Approve is clicked twice, aborting nothing', async () => {
    // Prepare
    const service = { name: 'console-double-click', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v6');
    const page = await openFromList(executionId);
    try {
      const approve = page.locator('button.approve');
      await approve.waitFor({ timeout: UI_TIMEOUT_MS });
      const box = (await approve.boundingBox())!;
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      // Act
      await page.mouse.click(x, y);
      await approve.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
      await page.mouse.click(x, y);
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      replicaPids.push(...project.runtime().runtime.adapters!.cluster.pids(service, 'stable'));
      // Assess
      expect(await statusOf(executionId)).toBe('SUCCEEDED');
      expect(await page.getByRole('status').textContent()).toBe('Approve: done');
    } finally {
      await stop();
      await page.close();
    }
  });

  it('does not abort on a double-click, only on a deliberate second click, saying what the second click does', async () => {
    // Prepare
    const service = { name: 'console-abort-twice', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v9', anUndecidedCanary(50));
    const page = await openFromList(executionId);
    try {
      await page.locator('button.abort').waitFor({ timeout: UI_TIMEOUT_MS });
      // Act
      await page.dblclick('button.abort');
      await pause(DELIBERATE_MS);
      const afterDoubleClick = await page.locator('button.abort').textContent();
      const prompt = await page.getByRole('status').textContent();
      const statusAfterDoubleClick = await statusOf(executionId);
      await page.click('button.abort');
      await page.locator('h1 [data-status="ABORTED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(afterDoubleClick).toBe('Confirm abort');
      expect(prompt).toBe('Press Confirm abort again to stop checkout-ui-v9');
      expect(statusAfterDoubleClick).toBe('RUNNING');
      expect(await statusOf(executionId)).toBe('ABORTED');
      expect(await page.getByRole('status').textContent()).toBe('Abort: done');
    } finally {
      await stop();
      await page.close();
    }
  });

  it('forgets an armed Reject once the approval it was for is answered elsewhere', async () => {
    // Prepare
    const service = { name: 'console-disarm', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v10');
    const page = await openFromList(executionId);
    try {
      await page.locator('button.reject').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.click('button.reject');
      const promptWhileArmed = await page.getByRole('status').textContent();
      // Act
      await post(`/releases/${encodeURIComponent(executionId)}/approve`, { approver: 'someone else' });
      await page.locator('button.reject').waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
      const promptAfterwards = await page.locator('.outcome').textContent();
      const focusAfterwards = await focusOf(page);
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      replicaPids.push(...project.runtime().runtime.adapters!.cluster.pids(service, 'stable'));
      // Assess: the status line says why, and takes the focus Confirm reject had
      expect(promptWhileArmed).toBe('Press Confirm reject again to reject the release');
      expect(promptAfterwards).toBe(
        'Not rejected: the approval no longer waits (answered elsewhere, or the execution ended)',
      );
      expect(focusAfterwards).toBe('status line');
    } finally {
      await stop();
      await page.close();
    }
  });

  it('keeps the keyboard focus on the actions when Approve is pressed with the keyboard', async () => {
    // Prepare
    const service = { name: 'console-focus', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v11');
    const page = await openFromList(executionId);
    try {
      await page.locator('button.approve').waitFor({ timeout: UI_TIMEOUT_MS });
      // Act
      await page.focus('button.approve');
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.getByRole('status').textContent(), { timeout: UI_TIMEOUT_MS })
        .toBe('Approve: done');
      const focusOnOutcome = await focusOf(page);
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      replicaPids.push(...project.runtime().runtime.adapters!.cluster.pids(service, 'stable'));
      // Assess
      expect(['action approve', 'action abort', 'status line']).toContain(focusOnOutcome);
      expect(await focusOf(page)).toBe('status line');
    } finally {
      await stop();
      await page.close();
    }
  });

  it('gives up on an action cutover local takes but never answers, saying so and giving the buttons back', async () => {
    // Prepare
    const service = { name: 'console-hung-action', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v12');
    const page = await openFromList(executionId);
    try {
      await page.locator('button.approve').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.clock.install();
      await page.route('**/approve', () => {});
      // Act
      await page.click('button.approve');
      const whileSent = await page.locator('.actions [aria-disabled="true"]').count();
      await page.clock.runFor(REQUEST_TIMEOUT_MS);
      await expect
        .poll(() => page.getByRole('status').textContent(), { timeout: UI_TIMEOUT_MS })
        .toBe('Approve: no answer from cutover local; it may still have been done, as this page will show');
      await expect
        .poll(() => page.locator('.actions [aria-disabled="true"]').count(), { timeout: UI_TIMEOUT_MS })
        .toBe(0);
      // Assess
      expect(whileSent).toBe(3);
      expect(await page.locator('.actions button').allTextContents()).toEqual(['Approve', 'Reject', 'Abort']);
      expect(await statusOf(executionId)).toBe('RUNNING');
    } finally {
      await post(`/console/api/executions/${encodeURIComponent(executionId)}/abort`, {});
      await stop();
      await page.close();
    }
  });

  it('folds a long abort reason to its start, keeping the page readable, and shows all of it on request', async () => {
    // Prepare: an execution aborted with the longest reason a stop takes
    const { executionId } = await aWaitingExecution('console-long-cause', 'longest-reason');
    const reason = 'r'.repeat(32_768);
    await post(`/console/api/executions/${encodeURIComponent(executionId)}/abort`, { reason });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      const failure = page.locator('[data-failure]');
      await failure.waitFor({ timeout: UI_TIMEOUT_MS });
      const folded = await failure.boundingBox();
      const summary = await failure.locator('summary').textContent();
      await failure.locator('summary').click();
      const opened = await failure.locator('p').textContent();
      // Assess
      expect(folded!.height).toBeLessThan(200);
      expect(summary).toBe(`Aborted — ${'r'.repeat(590)}… (32,778 characters: show all)`);
      expect(opened).toBe(`Aborted — ${reason}`);
    } finally {
      await page.close();
    }
  });

  it('says at once that an action went unanswered when the whole of cutover local hangs, not after its refresh too', async () => {
    // Prepare: the runtime stops answering anything (a process stopped with SIGSTOP)
    const service = { name: 'console-hung-runtime', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v13');
    const page = await openFromList(executionId);
    try {
      await page.locator('button.approve').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.clock.install();
      await page.route('**/*', () => {});
      // Act
      await page.click('button.approve');
      await page.clock.runFor(REQUEST_TIMEOUT_MS);
      // Assess: said within the action's own timeout (the refresh after it, unanswered too, takes as long)
      await expect
        .poll(() => page.getByRole('status').textContent(), { timeout: 5_000 })
        .toBe('Approve: no answer from cutover local; it may still have been done, as this page will show');
    } finally {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
      await post(`/console/api/executions/${encodeURIComponent(executionId)}/abort`, {});
      await stop();
      await page.close();
    }
  });

  it('says the action most likely was not taken when cutover local refuses it and the page’s next request, and clears it once back', async () => {
    // Prepare
    const { executionId, stop } = await aWaitingExecution('console-down', 'refused');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      await page.locator('button.abort').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.route('**/console/api/**', (route) => route.abort('connectionrefused'));
      // Act
      await page.click('button.abort');
      await pause(DELIBERATE_MS);
      await page.click('button.abort');
      // The status line, also once empty (and so hidden)
      const status = page.locator('#outcome');
      await expect
        .poll(() => status.textContent(), { timeout: UI_TIMEOUT_MS })
        .toBe(
          'Abort: cutover local is not running: the action most likely was not taken; try again once it is back',
        );
      await page.unroute('**/console/api/**');
      await page.getByRole('alert').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
      // Assess
      await expect.poll(() => status.textContent(), { timeout: UI_TIMEOUT_MS }).toBe('');
      expect(await statusOf(executionId)).toBe('RUNNING');
    } finally {
      await stop();
      await page.close();
    }
  });

  it('says how many verdicts and states came before those shown, naming the execution’s ARN for the rest', async () => {
    // Prepare
    const executionId = await aFinishedExecution('console-long', 'looped');
    const page = await browser.newPage();
    // The detail of an execution that looped: 250 states and 1,234 verdicts before those it holds
    const verdict = { verdict: 'inconclusive', reason: 'too few requests', measurements: {}, at: 0 };
    await rewriteDetail<object>(page, executionId, (detail) => ({
      ...detail,
      earlierStates: 250,
      verdicts: [verdict],
      earlierVerdicts: 1234,
    }));
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      const arn = 'arn:aws:states:us-east-1:000000000000:execution:console-long:looped';
      expect(await page.locator('h2:text-is("Analysis") + [data-earlier]').textContent()).toBe(
        `… 1,234 earlier verdicts (cutover history ${arn} lists them all)`,
      );
      expect(await page.locator('h2:text-is("States") + [data-earlier] code').textContent()).toBe(
        `cutover history ${arn}`,
      );
      expect(await page.locator('ol.states').getAttribute('start')).toBe('251');
    } finally {
      await page.close();
    }
  });

  it('keeps an action’s outcome on screen as the page refreshes, also when someone else decided first', async () => {
    // Prepare
    const service = { name: 'console-outcome', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v7');
    const page = await openFromList(executionId);
    try {
      await page.locator('button.approve').waitFor({ timeout: UI_TIMEOUT_MS });
      let answer = () => {};
      const held = new Promise<void>((resolve) => (answer = resolve));
      await page.route('**/approve', async (route) => {
        await held;
        await post(`/releases/${encodeURIComponent(executionId)}/approve`, { approver: 'someone else' });
        await route.continue();
      });
      // Act
      await page.click('button.approve');
      const whileSent = await page
        .locator('.actions button')
        .evaluateAll((buttons) =>
          buttons.map((button) => [button.textContent, button.getAttribute('aria-disabled') === 'true']),
        );
      const outcomeWhileSent = await page.getByRole('status').textContent();
      answer();
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      replicaPids.push(...project.runtime().runtime.adapters!.cluster.pids(service, 'stable'));
      // Assess
      expect(whileSent).toEqual([
        ['Approve', true],
        ['Reject', true],
        ['Abort', true],
      ]);
      expect(outcomeWhileSent).toBe('Approve…');
      expect(await page.getByRole('status').textContent()).toBe(
        `Approve: ${executionId} has no pending approval`,
      );
      expect(await page.locator('main[aria-live], #view[aria-live]').count()).toBe(0);
    } finally {
      await stop();
      await page.close();
    }
  });

  it('shows every track’s weight in full and in the track’s own colour, even at 1%', async () => {
    // Prepare
    const service = { name: 'console-weights', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v8', anUndecidedCanary(1));
    const page = await openFromList(executionId);
    try {
      // Act
      // The split found when the release started (canary 0%) shows first; then the step's
      await page
        .locator('.legend [data-track="canary"]', { hasText: 'canary 1%' })
        .waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await page.locator('.legend [data-track]').allTextContents()).toEqual([
        'stable 99%',
        'canary 1%',
      ]);
      expect(
        await page
          .locator('.legend [data-track]')
          .evaluateAll((items) => items.filter((item) => item.scrollWidth > item.clientWidth).length),
      ).toBe(0);
      const inBar = await coloursOf(page, '.weights [data-track]');
      expect(await coloursOf(page, '.legend [data-track] .swatch')).toEqual(inBar);
      expect(inBar.canary).not.toBe(inBar.stable);
      expect(inBar.stable).toBe('rgb(11, 60, 110)');
    } finally {
      await post(`/console/api/executions/${encodeURIComponent(executionId)}/abort`, {});
      await stop();
      await page.close();
    }
  });

  it('shows a blue-green waiting to switch with the split found when it started, saying so', async () => {
    // Prepare: v1 goes straight to green (a first release), then v2 deploys blue and asks before the switch
    const service = { name: 'console-found', namespace: 'shop' };
    const release = (version: string, blueGreen = {}) =>
      blueGreenInput(blueGreen, { service, release: anAppRelease(version), scaleDownDelaySeconds: 0 });
    const first = await post('/releases/blue-green?name=checkout-ui-v20', release('v1'));
    while ((await statusOf(String(first.json.executionId))) === 'RUNNING') await pause(20);
    const started = await post(
      '/releases/blue-green?name=checkout-ui-v21',
      release('v2', { approval: { timeoutSeconds: 86_400 } }),
    );
    const executionId = String(started.json.executionId);
    const page = await openFromList(executionId);
    try {
      // Act
      await page.locator('button.approve').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await page.locator('[data-traffic-note]').textContent()).toBe(
        'as found when the release started',
      );
      expect(await page.locator('.legend [data-track]').allTextContents()).toEqual(['blue 0%', 'green 100%']);
    } finally {
      await post(`/console/api/executions/${encodeURIComponent(executionId)}/abort`, {});
      await page.close();
    }
  });

  it('stops asking for an execution once it has ended, and for one that does not exist', async () => {
    // Prepare
    const executionId = await aFinishedExecution('console-ended', 'done');
    const page = await browser.newPage();
    await page.clock.install();
    try {
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Act
      const whileEnded = await askedWhile(page, 10_000);
      await page.goto(`${project.runtime().endpoint}/console#/executions/canary%3Anope`);
      const error = page.getByRole('alert');
      await error.waitFor({ timeout: UI_TIMEOUT_MS });
      const errorText = await error.textContent();
      const errorTitle = await page.title();
      const whileUnknown = await askedWhile(page, 10_000);
      await page.click('text=← Executions');
      await page.locator(`tr[data-execution="${executionId}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
      const onTheList = await askedWhile(page, 3_000);
      // Assess
      expect(whileEnded).toEqual([]);
      expect(errorText).toMatch(/canary:nope/);
      expect(errorTitle).toBe('Not found — Cutover console');
      expect(whileUnknown).toEqual([]);
      expect(onTheList).toContain('/console/api/executions');
    } finally {
      await page.close();
    }
  });

  it('says a page address it does not know is not found, naming the pages it has, and asks for nothing', async () => {
    // Prepare: a deep link typed by hand, one letter short
    const page = await browser.newPage();
    await page.clock.install();
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/execution/canary%3Acheckout-v2`);
      const error = page.getByRole('alert');
      await error.waitFor({ timeout: UI_TIMEOUT_MS });
      const asked = await askedWhile(page, 10_000);
      // Assess
      expect(await error.textContent()).toBe(
        'No page #/execution/canary%3Acheckout-v2: the console shows the executions (#/) and one execution (#/executions/<execution id>)',
      );
      expect(await page.title()).toBe('Not found — Cutover console');
      expect(asked).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('says a link to older executions that the list never gave, or gave over a day ago, is not found', async () => {
    // Prepare
    const page = await browser.newPage();
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/older/garbage`);
      const error = page.getByRole('alert');
      await error.waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await error.textContent()).toBe(
        'No page #/older/garbage: an Older link works for 24 hours after the list gave it; ← Executions shows the newest',
      );
      expect(await page.title()).toBe('Not found — Cutover console');
    } finally {
      await page.close();
    }
  });

  it('opens an execution by the ARN cutover run prints, and says so of an address that is not valid percent-encoding', async () => {
    // Prepare
    const executionId = await aFinishedExecution('console-by-arn', 'done');
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:${executionId}`;
    const page = await browser.newPage();
    try {
      // Act
      await page.goto(
        `${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionArn)}`,
      );
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const title = await page.locator('h1').textContent();
      await page.goto(`${project.runtime().endpoint}/console#/executions/canary%E0%A4%A`);
      const error = page.getByRole('alert');
      await error.waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(title).toBe('done SUCCEEDED');
      expect(await page.title()).toBe('Error — Cutover console');
      expect(await error.textContent()).toBe(
        'the address names canary%E0%A4%A, which is not valid percent-encoding',
      );
    } finally {
      await page.close();
    }
  });

  it('opens an execution by its name alone, as cutover run prints it, and shows its id in the address', async () => {
    // Prepare
    const executionId = await aFinishedExecution('console-by-name', 'by-name-only');
    const name = executionId.slice(executionId.indexOf(':') + 1);
    const page = await browser.newPage();
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(name)}`);
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await page.locator('h1').textContent()).toBe('by-name-only SUCCEEDED');
      expect(new URL(page.url()).hash).toBe(`#/executions/${encodeURIComponent(executionId)}`);
    } finally {
      await page.close();
    }
  });

  it('refuses an execution ARN of another region and account, saying why, rather than open the local execution of that name', async () => {
    // Prepare: a local execution of the name the foreign ARN ends with
    const executionId = await aFinishedExecution('console-foreign-arn', 'done');
    const foreignArn = `arn:aws:states:eu-west-1:999999999999:execution:${executionId}`;
    const page = await browser.newPage();
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(foreignArn)}`);
      const error = page.getByRole('alert');
      await error.waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await error.textContent()).toBe(
        `executionId must be an execution name as \`cutover run\` prints it, <state machine>:<execution name> (e.g. canary:checkout-v2), or an execution ARN of this runtime (got "${foreignArn}")`,
      );
      expect(await page.locator('h1').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('keeps the page while cutover local does not answer, under a banner that goes once it answers', async () => {
    // Prepare
    const executionId = await aFinishedExecution('console-unreachable', 'done');
    const page = await browser.newPage();
    await page.goto(`${project.runtime().endpoint}/console`);
    const row = page.locator(`tr[data-execution="${executionId}"]`);
    try {
      await row.waitFor({ timeout: UI_TIMEOUT_MS });
      // Act
      await page.route('**/console/api/**', (route) => route.abort('connectionrefused'));
      const banner = page.getByRole('alert');
      await banner.waitFor({ timeout: UI_TIMEOUT_MS });
      const bannerText = await banner.textContent();
      const rowWhileDown = await row.isVisible();
      await page.unroute('**/console/api/**');
      await banner.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
      // Assess
      expect(bannerText).toBe('cutover local is not answering; retrying…');
      expect(rowWhileDown).toBe(true);
      expect(await row.isVisible()).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('puts the banner up when cutover local takes the page’s requests but never answers', async () => {
    // Prepare
    const executionId = await aFinishedExecution('console-hung', 'done');
    const page = await browser.newPage();
    await page.clock.install();
    await page.goto(`${project.runtime().endpoint}/console`);
    const row = page.locator(`tr[data-execution="${executionId}"]`);
    try {
      await row.waitFor({ timeout: UI_TIMEOUT_MS });
      // Act
      await page.route('**/console/api/**', () => {});
      await page.clock.runFor(1_000 + REQUEST_TIMEOUT_MS);
      const banner = page.getByRole('alert');
      await banner.waitFor({ timeout: UI_TIMEOUT_MS });
      const bannerText = await banner.textContent();
      await page.unroute('**/console/api/**');
      await page.clock.runFor(2_000);
      await banner.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
      // Assess
      expect(bannerText).toBe('cutover local is not answering; retrying…');
      expect(await row.isVisible()).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('lists running executions first and pages to older ended ones, saying how many it shows', async () => {
    // Prepare: an ended execution and a waiting one, then 105 newer executions of another machine
    const old = await aFinishedExecution('console-paged-old', 'first');
    const waiting = await aWaitingExecution('console-paged-waiting', 'waiting');
    const { client } = project.runtime();
    const { stateMachineArn } = await client.send(
      new CreateStateMachineCommand({
        name: 'console-paged-many',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
        roleArn: 'arn:aws:iam::000000000000:role/console',
      }),
    );
    for (let index = 0; index < 105; index++) {
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn, name: `many-${index}` }),
      );
      await waitForExecution(client, executionArn!);
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console`);
      await page.locator('[data-shown]').waitFor({ timeout: UI_TIMEOUT_MS });
      const runningFirst = await page
        .locator(`h2:text-is("Running") + div tr[data-execution="${waiting.executionId}"]`)
        .count();
      const shown = await page.locator('[data-shown]').textContent();
      const oldOnFirst = await page.locator(`tr[data-execution="${old}"]`).count();
      let pages = 1;
      while ((await page.locator(`tr[data-execution="${old}"]`).count()) === 0) {
        await page.locator('[data-older]').click({ timeout: UI_TIMEOUT_MS });
        await page.locator('h2:text-is("Ended, older")').waitFor({ timeout: UI_TIMEOUT_MS });
        pages += 1;
      }
      // Assess
      expect(runningFirst).toBe(1);
      expect(shown).toBe('Showing 100 ended executions, newest first; Older shows the ones before.');
      expect(oldOnFirst).toBe(0);
      expect(pages).toBeGreaterThan(1);
    } finally {
      await waiting.stop();
      await page.close();
    }
  });

  it('shows on the list where each running execution is, marking a release that waits for approval', async () => {
    // Prepare
    const service = { name: 'console-list-approval', namespace: 'shop' };
    const release = await startCanary(service, 'checkout-ui-listed');
    const waiting = await aWaitingExecution('console-list-where', 'waiting');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const rowOf = (executionId: string) => page.locator(`tr[data-execution="${executionId}"]`);
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console`);
      await rowOf(release.executionId)
        .locator('[data-awaiting-approval]')
        .waitFor({ timeout: UI_TIMEOUT_MS });
      await rowOf(waiting.executionId).locator('[data-now-in]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await rowOf(release.executionId).locator('[data-now-in]').textContent()).toBe(
        'PauseAfterStep waiting for approval',
      );
      expect(await rowOf(waiting.executionId).locator('[data-now-in]').textContent()).toBe('Waiting');
    } finally {
      await release.stop();
      await waiting.stop();
      await page.close();
    }
  });

  it("shows on the list how far a running migration's copy is, beside its state", async () => {
    // Prepare: the list's answer gives the row the copy its history reports (see execution-list.test.ts)
    const copying = await aWaitingExecution('console-list-copy', 'copying');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await rewriteAnswer<{ running: { executionId: string }[] }>(page, '/console/api/executions', (list) => ({
      ...list,
      running: list.running.map((row) =>
        row.executionId === copying.executionId
          ? { ...row, copy: 'public.orders: 50,000 of about 150,000 rows so far' }
          : row,
      ),
    }));
    const row = page.locator(`tr[data-execution="${copying.executionId}"]`);
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console`);
      await row.locator('[data-copy]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await row.locator('[data-now-in]').textContent()).toBe(
        'Waiting, copy public.orders: 50,000 of about 150,000 rows so far',
      );
    } finally {
      await copying.stop();
      await page.close();
    }
  });

  it('fits a phone’s width, the list of executions scrolling inside its own box', async () => {
    // Prepare
    const executionId = await aFinishedExecution(
      'console-narrow',
      'a-release-name-long-enough-to-widen-its-table-cell',
    );
    // Act
    const page = await openFromList(executionId, 390);
    try {
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const detailWidth = await page.locator('html').evaluate((html) => html.scrollWidth);
      await page.click('text=← Executions');
      await page.locator(`tr[data-execution="${executionId}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
      const listWidth = await page.locator('html').evaluate((html) => html.scrollWidth);
      const row = page.locator(`tr[data-execution="${executionId}"]`);
      // Each cell's text on one line, not broken inside its words: an inline box that wraps has more rects
      const linesPerCell = await row
        .locator('td > *')
        .evaluateAll((items) => items.map((item) => item.getClientRects().length));
      // The box of the ended executions, which holds the row (another test's release may still be running)
      const rowBox = page.locator('.table-scroll', { has: row });
      const box = await rowBox.evaluate((scroll) => ({
        scrollWidth: scroll.scrollWidth,
        clientWidth: scroll.clientWidth,
      }));
      // The box scrolls from the keyboard too: Tab from the top of the page reaches it, named, and the arrow
      // keys move it sideways
      await page.reload();
      await row.waitFor({ timeout: UI_TIMEOUT_MS });
      let focused: string | null = null;
      for (let presses = 0; presses < 30 && focused === null; presses++) {
        await page.keyboard.press('Tab');
        focused = await rowBox.evaluate((scroll) =>
          scroll.ownerDocument.activeElement === scroll ? scroll.getAttribute('aria-label') : null,
        );
      }
      // Arrow presses until the box has moved: Chromium scrolls them smoothly, over a few frames
      let scrolledBy = 0;
      for (let presses = 0; presses < 20 && scrolledBy === 0; presses++) {
        await page.keyboard.press('ArrowRight');
        await page.waitForTimeout(50);
        scrolledBy = await rowBox.evaluate((scroll) => scroll.scrollLeft);
      }
      // Assess
      expect(focused).toBe('Ended executions');
      expect(scrolledBy).toBeGreaterThan(0);
      expect(detailWidth).toBeLessThanOrEqual(390);
      expect(listWidth).toBeLessThanOrEqual(390);
      expect(linesPerCell.length).toBeGreaterThanOrEqual(2);
      expect(linesPerCell.every((lines) => lines === 1)).toBe(true);
      expect(box.scrollWidth).toBeGreaterThan(box.clientWidth);
    } finally {
      await page.close();
    }
  });

  it('on a phone, says beside its name that a release awaits approval, not by colour alone', async () => {
    // Prepare: a canary waiting for its approval
    const service = { name: 'console-narrow-approval', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v14');
    const phone = await browser.newPage({ viewport: { width: 390, height: 800 } });
    const desk = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      // Act
      const marks = [];
      for (const page of [phone, desk]) {
        await page.goto(`${project.runtime().endpoint}/`);
        const row = page.locator(`tr.awaiting-approval[data-execution="${executionId}"]`);
        await row.waitFor({ timeout: UI_TIMEOUT_MS });
        const mark = row.locator('td:first-child .narrow-only');
        marks.push({ visible: await mark.isVisible(), text: await mark.textContent() });
      }
      // Assess
      expect(marks).toEqual([
        { visible: true, text: 'awaits approval' },
        { visible: false, text: 'awaits approval' },
      ]);
    } finally {
      await post(`/console/api/executions/${encodeURIComponent(executionId)}/abort`, {});
      await stop();
      await phone.close();
      await desk.close();
    }
  });

  it('on a phone, gives the abort reason the full width and puts Abort on the right', async () => {
    // Prepare
    const { executionId, stop } = await aWaitingExecution('console-narrow-abort', 'phone');
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      await page.locator('button.abort').waitFor({ timeout: UI_TIMEOUT_MS });
      const [actions, reason, abort] = await Promise.all(
        ['.actions', 'input[name="reason"]', 'button.abort'].map((selector) =>
          page.locator(selector).boundingBox(),
        ),
      );
      // Assess
      expect(reason!.width).toBeCloseTo(actions!.width, 0);
      expect(abort!.x + abort!.width).toBeCloseTo(actions!.x + actions!.width, 0);
    } finally {
      await stop();
      await page.close();
    }
  });

  it('dates times that are not today, names their zone and gives the full instant, and counts hours', async () => {
    // Prepare: an execution that started two days ago, as the page sees it, in Berlin (UTC+01:00 in winter)
    const executionId = await aFinishedExecution('console-dated', 'long-ago');
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    const page = await context.newPage();
    const started = new Date('2026-01-10T08:00:00Z');
    await rewriteDetail<{ execution: object; states: object[] }>(page, executionId, (detail) => {
      const execution = {
        ...detail.execution,
        startDate: started.getTime() / 1000,
        stopDate: started.getTime() / 1000 + 4503,
      };
      const states = detail.states.map((state) => ({ ...state, enteredAt: started.getTime() }));
      return { ...detail, execution, states };
    });
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const meta = await page.locator('h1 + p.muted').textContent();
      const state = page.locator('ol.states time');
      // Assess
      expect(meta).toBe('console-dated · started 10/01/2026 09:00:00 (UTC+01:00) · 1h 15m 3s');
      expect(await state.getAttribute('datetime')).toBe('2026-01-10T08:00:00.000Z');
      expect(await state.getAttribute('title')).toBe('2026-01-10T08:00:00.000Z');
    } finally {
      await context.close();
    }
  });

  it('names the zone a time was in when the offset changed since, on an execution’s page', async () => {
    // Prepare: in Berlin in April 2027 (UTC+02:00), an execution started in November 2026 (UTC+01:00) whose
    // approval times out after the clocks go back in October 2027
    const executionId = await aFinishedExecution('console-zoned', 'in-winter');
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    const page = await context.newPage();
    await page.clock.setFixedTime(new Date('2027-04-20T10:00:00Z'));
    const started = Date.parse('2026-11-30T06:55:24Z');
    await rewriteDetail<{ execution: object; states: object[] }>(page, executionId, (detail) => ({
      ...detail,
      execution: { ...detail.execution, status: 'RUNNING', startDate: started / 1000, stopDate: undefined },
      states: detail.states.map((state) => ({ ...state, enteredAt: Date.parse('2027-04-20T09:00:00Z') })),
      approvalPending: true,
      approvalTimesOutAt: Date.parse('2027-11-02T12:00:00Z'),
    }));
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      await page.locator('[data-approval-deadline]').waitFor({ timeout: UI_TIMEOUT_MS });
      const meta = await page.locator('h1 + p.muted').textContent();
      const deadline = await page.locator('[data-approval-deadline]').textContent();
      const state = await page.locator('ol.states li').first().textContent();
      // Assess
      expect(meta).toMatch(/^console-zoned · started 30\/11\/2026 07:55:24 \(UTC\+01:00\) · /);
      expect(deadline).toBe(
        'Unanswered, the approval times out at 02/11/2027 13:00:00 (UTC+01:00) and the release rolls back.',
      );
      expect(state).toBe('Done 11:00:00 (UTC+02:00)');
    } finally {
      await context.close();
    }
  });

  it('names the zone a time was in when the offset changed since, on the list', async () => {
    // Prepare: in Berlin in April 2027 (UTC+02:00), one execution started today, one in November 2026 (UTC+01:00)
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    const page = await context.newPage();
    await page.clock.setFixedTime(new Date('2027-04-20T10:00:00Z'));
    const row = (name: string, startDate: string) => ({
      executionId: `console-zoned:${name}`,
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:console-zoned:${name}`,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:console-zoned',
      name,
      status: 'SUCCEEDED',
      startDate: Date.parse(startDate) / 1000,
      stopDate: Date.parse(startDate) / 1000 + 60,
    });
    await page.route(
      (url) => url.pathname === '/console/api/executions',
      (route) =>
        route.fulfill({
          json: {
            running: [],
            executions: [row('in-summer', '2027-04-20T09:00:00Z'), row('in-winter', '2026-11-30T06:55:24Z')],
          },
        }),
    );
    const started = (name: string) =>
      page.locator(`tr[data-execution="console-zoned:${name}"] td:nth-child(4)`).textContent();
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console`);
      await page.locator('[data-shown]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await page.locator('th:nth-child(4)').textContent()).toBe('Started (UTC+02:00)');
      expect(await started('in-summer')).toBe('11:00:00');
      expect(await started('in-winter')).toBe('30/11/2026 07:55:24 (UTC+01:00)');
    } finally {
      await context.close();
    }
  });

  it('gives state numbers of 5 digits room left of the list', async () => {
    // Prepare: the detail of an execution that entered 99,989 states before the one it holds
    const executionId = await aFinishedExecution('console-numbered', 'looped');
    const page = await browser.newPage();
    await rewriteDetail<object>(page, executionId, (detail) => ({ ...detail, earlierStates: 99_989 }));
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      await page.locator('ol.states li').waitFor({ timeout: UI_TIMEOUT_MS });
      const { marker, room } = await page.locator('ol.states').evaluate((list) => {
        const style = list.ownerDocument.defaultView!.getComputedStyle(list.querySelector('li')!);
        const probe = list.ownerDocument.createElement('span');
        Object.assign(probe.style, { font: style.font, whiteSpace: 'pre', position: 'absolute' });
        probe.textContent = '99990. ';
        list.ownerDocument.body.append(probe);
        const width = probe.getBoundingClientRect().width;
        probe.remove();
        const { paddingLeft } = list.ownerDocument.defaultView!.getComputedStyle(list);
        return { marker: width, room: Number.parseFloat(paddingLeft) };
      });
      // Assess
      expect(marker).toBeLessThanOrEqual(room);
    } finally {
      await page.close();
    }
  });

  it('names each page in the title and takes the focus to its heading, and back on the list to the row left', async () => {
    // Prepare
    const executionId = await aFinishedExecution('console-titled', 'named');
    const focused = (page: Page) =>
      page.locator('body').evaluate((body) => {
        const active = body.ownerDocument.activeElement!;
        return active.closest('tr')?.getAttribute('data-execution') ?? active.tagName;
      });
    // Act
    const page = await openFromList(executionId);
    try {
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const onExecution = { title: await page.title(), focus: await focused(page) };
      await page.click('text=← Executions');
      await page.locator(`tr[data-execution="${executionId}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
      const onList = { title: await page.title(), focus: await focused(page) };
      // Assess
      expect(onExecution).toEqual({ title: 'named — Cutover console', focus: 'H1' });
      expect(onList).toEqual({ title: 'Executions — Cutover console', focus: executionId });
    } finally {
      await page.close();
    }
  });

  it('colours the tracks shown together, and stable and blue, at least 3:1 apart', async () => {
    // Prepare: a detail with every named track and one of another name
    const executionId = await aFinishedExecution('console-coloured', 'tracks');
    const page = await browser.newPage();
    const weights = { stable: 20, canary: 20, blue: 20, green: 20, shadow: 20 };
    await rewriteDetail<object>(page, executionId, (detail) => ({ ...detail, weights }));
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      await page.locator('.legend [data-track="shadow"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const colours = await coloursOf(page, '.legend [data-track] .swatch');
      // Assess
      const pairs: [string, string][] = [
        ['stable', 'canary'],
        ['blue', 'green'],
        ['stable', 'blue'],
        ['stable', 'shadow'],
      ];
      for (const [a, b] of pairs)
        expect(contrast(colours[a]!, colours[b]!), `${a} / ${b}`).toBeGreaterThanOrEqual(3);
    } finally {
      await page.close();
    }
  });

  it('counts a running execution’s duration up every second, on the list and on its page, keeping what is typed', async () => {
    // Prepare
    const { executionId, stop } = await aWaitingExecution('console-ticking', 'counting');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // The list answers the same each time, whatever else runs meanwhile: only the clock moves
    let listed: string | undefined;
    await page.route(
      (url) => url.pathname === '/console/api/executions',
      async (route) => {
        listed ??= await (await route.fetch()).text();
        await route.fulfill({ status: 200, contentType: 'application/json', body: listed });
      },
    );
    const cell = page.locator(`tr[data-execution="${executionId}"] td:nth-child(5)`);
    try {
      await page.goto(`${project.runtime().endpoint}/console`);
      await cell.waitFor({ timeout: UI_TIMEOUT_MS });
      // Act
      const listedFirst = await cell.textContent();
      await expect.poll(() => cell.textContent(), { timeout: 5_000 }).not.toBe(listedFirst);
      await page.locator(`tr[data-execution="${executionId}"] a`).click();
      const meta = page.locator('h1 + p.muted');
      await page.locator('h1 [data-status="RUNNING"]').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.click('input[name="reason"]');
      await page.keyboard.type('wrong image');
      await page.keyboard.press('ArrowLeft');
      const pageFirst = await meta.textContent();
      await expect.poll(() => meta.textContent(), { timeout: 5_000 }).not.toBe(pageFirst);
      await page.keyboard.type('X');
      // Assess
      expect(listedFirst).toMatch(/^\d+s$/);
      expect(pageFirst).toMatch(/^console-ticking · started .+ · \d+s · now in Waiting$/);
      expect(await page.locator('input[name="reason"]').inputValue()).toBe('wrong imagXe');
      expect(
        await page
          .locator('input[name="reason"]')
          .evaluate((input) => input === input.ownerDocument.activeElement),
      ).toBe(true);
    } finally {
      await stop();
      await page.close();
    }
  });

  it('gives the comment and reason fields room for their placeholders, and no more characters than the API takes', async () => {
    // Prepare
    const { executionId, stop } = await aWaitingExecution('console-fields', 'waiting');
    const path = `/console/api/executions/${encodeURIComponent(executionId)}`;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // The page of an execution whose approval waits (until 2099), so both fields show
    await page.route(
      (url) => url.pathname === path,
      async (route) => {
        const response = await route.fetch();
        const detail = (await response.json()) as Record<string, unknown>;
        await route.fulfill({
          response,
          json: { ...detail, approvalPending: true, approvalTimesOutAt: Date.UTC(2099, 0, 1) },
        });
      },
    );
    try {
      // Act
      await page.goto(`${project.runtime().endpoint}/console#/executions/${encodeURIComponent(executionId)}`);
      await page.locator('[data-approval-deadline]').waitFor({ timeout: UI_TIMEOUT_MS });
      const comment = await roomOf(page, 'comment');
      const reason = await roomOf(page, 'reason');
      // Assess
      expect(comment.room).toBeGreaterThanOrEqual(Math.max(comment.placeholder, 240));
      expect(reason.room).toBeGreaterThanOrEqual(Math.max(reason.placeholder, 240));
      // The comment is sent as the approval's comment or the rejection's reason
      const properties = (schema: Record<string, unknown>) =>
        schema.properties as Record<string, { maxLength: number }>;
      expect(await page.locator('input[name="comment"]').getAttribute('maxlength')).toBe(
        String(
          Math.min(
            properties(APPROVE_BODY_SCHEMA).comment!.maxLength,
            properties(REJECT_BODY_SCHEMA).reason!.maxLength,
          ),
        ),
      );
      expect(await page.locator('input[name="reason"]').getAttribute('maxlength')).toBe(
        String(properties(ABORT_BODY_SCHEMA).reason!.maxLength),
      );
    } finally {
      await stop();
      await page.close();
    }
  });

  it("will not be framed by another site's page, so its buttons cannot be clicked through a decoy", async () => {
    // Prepare: a page of another origin that lays the console in a frame
    const decoy = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<iframe src="${project.runtime().endpoint}/console" width="800" height="600"></iframe>`);
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    const page = await browser.newPage();
    try {
      // Act
      await page.goto(`http://127.0.0.1:${(decoy.address() as AddressInfo).port}/`);
      await page.waitForLoadState('load');
      const framed = page.frames().find((frame) => frame !== page.mainFrame());
      const console = await fetch(`${project.runtime().endpoint}/console`);
      // Assess
      expect(framed?.url()).not.toContain('/console');
      expect(console.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(console.headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await page.close();
      await new Promise((resolve) => decoy.close(resolve));
    }
  });

  it('refuses an abort sent by another site, and one that is not JSON, stopping nothing', async () => {
    // Prepare
    const service = { name: 'console-origin', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v5');
    try {
      const path = `/console/api/executions/${encodeURIComponent(executionId)}/abort`;
      // Act
      const crossSite = await post(path, {}, { origin: 'http://attacker.example' });
      const plainText = await fetch(`${project.runtime().endpoint}${path}`, { method: 'POST', body: '{}' });
      const unknown = await post('/console/api/executions/canary:nope/abort', {});
      // Assess
      expect(crossSite.status).toBe(403);
      expect(crossSite.json.message).toMatch(/origin http:\/\/attacker\.example may not stop executions/);
      expect(plainText.status).toBe(415);
      expect(unknown.status).toBe(404);
      expect(await statusOf(executionId)).toBe('RUNNING');
    } finally {
      await post(`/console/api/executions/${encodeURIComponent(executionId)}/abort`, {});
      await stop();
    }
  });
});
