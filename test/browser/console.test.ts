import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceRef } from '#core/types.ts';
import { startTraffic } from '#local/adapters/traffic-generator.ts';
import { launchChromium } from '#test/support/browser.ts';
import { aCanaryWithApproval, useProjectRuntime } from '#test/support/project-runtime.ts';

const UI_TIMEOUT_MS = 30_000;

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

async function statusOf(executionId: string): Promise<string> {
  const response = await fetch(`${project.runtime().endpoint}/releases/${encodeURIComponent(executionId)}`);
  return String(((await response.json()) as { status: unknown }).status);
}

/**
 * Releases v1 of the service (a first release goes straight to 100%), then starts the canary `name` of v2
 * with traffic on the proxy; the traffic runs until the returned `stop`.
 */
async function startCanary(service: ServiceRef, name: string) {
  const first = await post(`/releases/canary?name=${name}-v1`, aCanaryWithApproval(service, 'v1'));
  while ((await statusOf(String(first.json.executionId))) === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const traffic = startTraffic({
    url: await project.runtime().runtime.adapters!.router.url(service),
    ratePerSecond: 50,
  });
  const started = await post(`/releases/canary?name=${name}`, aCanaryWithApproval(service, 'v2'));
  expect(started.status).toBe(200);
  return { executionId: String(started.json.executionId), stop: () => traffic.stop() };
}

/** Opens the console's page of one execution, from the list as a user would. */
async function openFromList(executionId: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${project.runtime().endpoint}/`);
  await page.locator(`tr[data-execution="${executionId}"] a`).click({ timeout: UI_TIMEOUT_MS });
  return page;
}

describe('console', () => {
  it('follows a canary (weights, verdicts, states) and approves it', async () => {
    // Prepare
    const service = { name: 'console-approve', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v2');
    const page = await openFromList(executionId);
    try {
      await page.locator('button.approve').waitFor({ timeout: UI_TIMEOUT_MS });
      const weights = await page.locator('.weights [data-track]').allTextContents();
      const verdicts = await page.locator('li.verdict').allTextContents();
      const listedWhileRunning = await page.locator('h1 [data-status]').textContent();
      // Act
      await page.fill('input[name="comment"]', 'dashboards look good');
      await page.click('button.approve');
      await page.locator('h1 [data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const states = await page
        .locator('[data-state]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-state')));
      replicaPids.push(...project.runtime().runtime.adapters!.cluster.pids(service, 'stable'));
      // Assess
      expect(listedWhileRunning).toBe('RUNNING');
      expect(weights).toEqual(['stable 50%', 'canary 50%']);
      expect(verdicts.at(-1)).toMatch(/^PASS: .*\(requestCount=\d+ /);
      expect(states).toEqual(expect.arrayContaining(['RequestApproval', 'Promote', 'Succeeded']));
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

  it('shows a rejection reason as text, never as markup', async () => {
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
      await page.locator('h1 [data-status="FAILED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.locator('[data-failure]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await page.locator('[data-failure]').textContent()).toBe(`ApprovalRejected — ${reason}`);
      expect(await page.locator('#view img').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).toBeUndefined();
    } finally {
      await stop();
      await page.close();
    }
  });

  it('aborts a running release, which the runtime then rolls back', async () => {
    // Prepare
    const service = { name: 'console-abort', namespace: 'shop' };
    const { executionId, stop } = await startCanary(service, 'checkout-ui-v4');
    const page = await openFromList(executionId);
    try {
      await page.locator('button.abort').waitFor({ timeout: UI_TIMEOUT_MS });
      // Act
      await page.fill('input[name="reason"]', 'wrong image');
      await page.click('button.abort');
      await page.locator('h1 [data-status="ABORTED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.click('text=← Executions');
      const rollback = page.locator('tr[data-execution="rollback:abort-checkout-ui-v4"]');
      await rollback.locator('[data-status="SUCCEEDED"]').waitFor({ timeout: UI_TIMEOUT_MS });
      // Assess
      expect(await statusOf(executionId)).toBe('ABORTED');
      expect(await project.runtime().runtime.adapters!.router.getWeights(service)).toMatchObject({
        stable: 100,
      });
    } finally {
      await stop();
      await page.close();
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
