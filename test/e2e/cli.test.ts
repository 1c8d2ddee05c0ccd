import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, type SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan } from '#core/plan/index.ts';
import { validateRequest } from '#core/schemas/index.ts';
import { localDatabasePath } from '#local/adapters/database.ts';
import { startTraffic, type Traffic } from '#local/adapters/traffic-generator.ts';
import { progressRowSql, runSql } from '#test/integration/database/dataset.ts';
import { REPO_ROOT, startCli, waitForEndpoint } from '#test/support/cli-process.ts';
import { sfnClient } from '#test/support/local-runtime.ts';
import {
  aDatabaseHeldLocked,
  requestUrl,
  startTestPostgres,
  type TestPostgres,
} from '#test/support/postgres.ts';
import { pendingTaskToken, readHistory, schedulesTaskTokenWait } from '../../src/cli/history.ts';

/**
 * Waits run at a tenth of real time: the examples' 30 s bakes take 3 s, an approval's hour 6 minutes.
 * The analysis windows stay 30 s of real traffic, so re-analyses see what earlier ones saw.
 */
const WAIT_TIME_SCALE = '0.1';
const SERVICE = { namespace: 'shop', name: 'checkout' };
const CANARY = 'examples/requests/canary.json';
const CANARY_WITH_APPROVAL = 'examples/requests/canary-with-approval.json';
const DATABASE_MIGRATION = 'examples/requests/database-migration.json';
const COMMANDS = [
  'local',
  'run',
  'plan',
  'watch',
  'approve',
  'reject',
  'abort',
  'list',
  'status',
  'history',
  'traffic',
  'backups',
  'backups list',
  'backups restore',
];

let workDir: string;
let dataDir: string;
let local: ReturnType<typeof startCli>;
let endpoint: string;
let sfn: SFNClient;
let postgres: TestPostgres;
let traffic: Promise<Traffic | undefined>;
let stopTraffic = false;

interface Outcome {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function aClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `cutover <args>` as a user types it, with `env` set, and waits for it to exit. */
async function cutoverWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Outcome> {
  const cli = startCli(args, { AWS_REGION: 'us-east-1', ...env });
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Runs `cutover <args>` as a user types it and waits for it to exit. */
function cutover(...args: string[]): Promise<Outcome> {
  return cutoverWith({}, ...args);
}

/** The parts of examples/requests/canary.json the bad requests change. */
interface ExampleCanary {
  service?: unknown;
  release: { version: string };
  canary: { steps: { weight: number; bakeSeconds: number }[] };
}

/** A request file in the work dir: the example canary with `change` applied. */
function aRequestFile(name: string, change: (request: ExampleCanary) => unknown): string {
  const request = JSON.parse(readFileSync(join(REPO_ROOT, CANARY), 'utf8')) as ExampleCanary;
  change(request);
  const path = join(workDir, name);
  writeFileSync(path, JSON.stringify(request));
  return path;
}

/** The parts of examples/requests/database-migration.json the plan cases change. */
interface ExampleDatabaseMigration {
  database: { target: unknown; source?: unknown };
  migrations: { phase: string; directory?: string };
  backup: Record<string, unknown>;
}

/** A request file in the work dir: the example database migration with `change` applied. */
function aDatabaseMigrationFile(
  name: string,
  change: (request: ExampleDatabaseMigration) => unknown,
): string {
  const request = JSON.parse(
    readFileSync(join(REPO_ROOT, DATABASE_MIGRATION), 'utf8'),
  ) as ExampleDatabaseMigration;
  change(request);
  const path = join(workDir, name);
  writeFileSync(path, JSON.stringify(request));
  return path;
}

/**
 * Sends 150 requests a second to the service's proxy from the moment the first release routes it (the
 * port is in the runtime's SQLite file), as a user's clients would: the analyses judge real answers.
 */
async function trafficOnceRouted(dataDir: string): Promise<Traffic | undefined> {
  const db = new Database(localDatabasePath(dataDir), { readonly: true });
  try {
    for (;;) {
      if (stopTraffic) return undefined;
      const row = db
        .prepare('SELECT port FROM local_router_services WHERE namespace = ? AND name = ?')
        .get(SERVICE.namespace, SERVICE.name) as { port: number } | undefined;
      if (row) return startTraffic({ url: `http://127.0.0.1:${row.port}/`, ratePerSecond: 150 });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    db.close();
  }
}

/** The service's proxy as the runtime stored it: its URL and the weights it routes by. */
function routed(): { url: string; weights: Record<string, number> } {
  const db = new Database(localDatabasePath(dataDir), { readonly: true });
  try {
    const row = db
      .prepare('SELECT port, weights FROM local_router_services WHERE namespace = ? AND name = ?')
      .get(SERVICE.namespace, SERVICE.name) as { port: number; weights: string };
    return { url: `http://127.0.0.1:${row.port}/`, weights: JSON.parse(row.weights) };
  } finally {
    db.close();
  }
}

/** `<track> <version>` of `count` answers of the service (the example app says which it is). */
async function answersFrom(url: string, count: number): Promise<Set<string>> {
  const answers = new Set<string>();
  for (let i = 0; i < count; i += 1) {
    const body = (await (await fetch(url)).json()) as { track: string; version: string };
    answers.add(`${body.track} ${body.version}`);
  }
  return answers;
}

/** Resolves once the execution of `machine` has entered `state` (polling its history through the SDK). */
async function untilEntered(name: string, state: string, machine = 'canary'): Promise<void> {
  const arn = `arn:aws:states:us-east-1:000000000000:execution:${machine}:${name}`;
  for (;;) {
    const events = await readHistory(sfn, arn).catch(() => []);
    if (events.some((e) => e.stateEnteredEventDetails?.name === state)) return;
    if (events.some((e) => e.type?.startsWith('Execution') && e.type !== 'ExecutionStarted')) {
      throw new Error(`${name} ended before entering ${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The execution ARNs of the approvals the runtime keeps pending (table `pending_approvals`). */
function pendingApprovals(): string[] {
  const db = new Database(localDatabasePath(dataDir), { readonly: true });
  try {
    const rows = db.prepare('SELECT execution_arn FROM pending_approvals').all() as {
      execution_arn: string;
    }[];
    return rows.map((row) => row.execution_arn);
  } finally {
    db.close();
  }
}

/** Resolves once the execution waits on its approval's task token and the runtime has stored it. */
async function untilApprovalPending(name: string): Promise<void> {
  // The approval before promotion is the pause after the canary's last step.
  await untilEntered(name, 'PauseAfterStep');
  const arn = `arn:aws:states:us-east-1:000000000000:execution:canary:${name}`;
  while (!pendingTaskToken(await readHistory(sfn, arn)) || !pendingApprovals().includes(arn)) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * `cutover run canary --wait` of a release with an approval step, left running as in another terminal;
 * resolves once the approval is pending, with the run (its exit still to come).
 */
async function runWaitingForApproval(name: string): Promise<{ run: ReturnType<typeof cutover> }> {
  const run = cutover(
    'run',
    'canary',
    '-f',
    CANARY_WITH_APPROVAL,
    '--name',
    name,
    '--wait',
    '--endpoint',
    endpoint,
  );
  await untilApprovalPending(name);
  return { run };
}

/** True while `pid` runs (an exited process not yet reaped, a zombie, has stopped). */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The processes of `pids` still running once they stopped or 10 s passed (replicas stop within 5 s). */
async function stillRunning(pids: readonly number[]): Promise<number[]> {
  for (let attempt = 0; attempt < 100 && pids.some(isRunning); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return pids.filter(isRunning);
}

/** The processes the runtime started (the replicas of the example app). */
function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'cutover-cli-'));
  dataDir = join(workDir, 'data');
  postgres = await startTestPostgres();
  // The tasks read the database password from the environment.
  local = startCli(['local', '--port', '0', '--data-dir', dataDir, '--no-data-services'], {
    WAIT_TIME_SCALE,
    POWERTOOLS_LOG_LEVEL: 'WARN',
    PGPASSWORD: postgres.password,
  });
  endpoint = await waitForEndpoint(local);
  sfn = sfnClient(endpoint);
  traffic = trafficOnceRouted(dataDir);
});

afterAll(async () => {
  stopTraffic = true;
  await (await traffic)?.stop();
  sfn?.destroy();
  const replicas = local?.child.pid ? childPids(local.child.pid) : [];
  local?.child.kill('SIGTERM');
  // It closes the runtime (store, replicas) and ends by itself.
  const exited = await local?.exited;
  // Stopped before any assertion: a failing one must leave no server running.
  await postgres?.stop();
  rmSync(workDir, { recursive: true, force: true });
  expect(exited).toBe(0);
  expect(local?.stdout()).toMatch(/\nStopped\n$/);
  expect(await stillRunning(replicas)).toEqual([]);
});

describe('cutover --help', () => {
  it('lists every command', async () => {
    // Act
    const { code, stdout } = await cutover('--help');
    // Assess
    expect(code).toBe(0);
    for (const command of COMMANDS.filter((c) => !c.includes(' '))) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it.each(COMMANDS)('cutover %s --help exits 0 and shows an example', async (command) => {
    // Act
    const { code, stdout } = await cutover(...command.split(' '), '--help');
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: cutover ${command}`);
    expect(stdout).toMatch(new RegExp(`Examples?:\\n  \\$ cutover ${command} `));
  });
});

describe('usage errors', () => {
  it.each([
    [['run', 'canary'], "required option '-f, --file <path>' not specified"],
    [['backups', 'restore'], "missing required argument 'manifest-key'"],
    [
      ['run', 'canary', '-f', CANARY, '--name', 'checkout v2'],
      "--name must be 1-80 letters, digits, '-' or '_'",
    ],
    [['list', '--status', 'DONE'], '--status must be one of: RUNNING, SUCCEEDED, FAILED'],
    // Step Functions refuses it with a state machine's ARN, and list asks by state machine
    [
      ['list', '--status', 'PENDING_REDRIVE'],
      '--status must be one of: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (got "PENDING_REDRIVE")',
    ],
    // An unset shell variable (`--status "$STATUS"`) filters by nothing
    [
      ['list', '--status', ''],
      '--status must be one of: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (got "")',
    ],
    [
      ['list', '--status', 'FAILED', '--status', 'SUCCEEDED'],
      '--status may be given once, one of: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (got "FAILED", "SUCCEEDED")',
    ],
    [
      ['list', '--endpoint', 'notaurl'],
      '--endpoint must be an http:// or https:// URL, e.g. http://127.0.0.1:8083 (got "notaurl")',
    ],
    [['watch', 'checkout-v2', '--endpoint', 'ftp://x'], '--endpoint must be an http:// or https:// URL'],
    [['list', '--aws', '--endpoint', 'ftp://x'], '--endpoint must be an http:// or https:// URL'],
  ])('cutover %j exits 2: %s', async (args, message) => {
    // Act
    const { code, stderr } = await cutover(...args);
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('names CUTOVER_ENDPOINT when it is not an http(s) URL', async () => {
    // Act
    const { code, stderr } = await cutoverWith({ CUTOVER_ENDPOINT: 'localhost:8083' }, 'list');
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('CUTOVER_ENDPOINT must be an http:// or https:// URL');
    expect(stderr).toContain('(got "localhost:8083")');
  });
});

describe('cutover run with a bad request', () => {
  const cases = [
    {
      what: 'a missing service',
      args: () => ['run', 'canary', '-f', aRequestFile('no-service.json', (r) => delete r.service)],
      says: ['service: is required'],
    },
    {
      what: 'a step weight of 150',
      args: () => [
        'run',
        'canary',
        '-f',
        aRequestFile('weight-150.json', (r) => {
          r.canary.steps[1]!.weight = 150;
        }),
      ],
      says: ['canary.steps[1].weight: must be an integer 1-100 (got 150)'],
    },
    {
      what: 'an unknown strategy',
      args: () => ['run', 'canery', '-f', CANARY],
      says: [
        'strategy must be one of: canary, blue-green, rolling, database-migration (got "canery"): did you mean canary?',
      ],
    },
    {
      what: 'a database migration without its database',
      args: () => {
        const path = join(workDir, 'no-database.json');
        writeFileSync(path, JSON.stringify({ service: SERVICE }));
        return ['run', 'database-migration', '-f', path];
      },
      says: ['invalid database-migration request:', 'database: is required (must be an object)'],
    },
    {
      what: 'a file that does not exist',
      args: () => ['run', 'canary', '-f', 'examples/requests/nope.json'],
      says: ['-f examples/requests/nope.json: cannot read the request file', 'ENOENT'],
    },
    {
      what: 'no path after -f (the next option taken for it)',
      args: () => ['run', 'canary', '-f'],
      says: [`-f needs the request file's path (got the option "--wait")`],
    },
    {
      what: 'a file that is not JSON',
      args: () => {
        const path = join(workDir, 'broken.json');
        writeFileSync(path, '{ "service": ');
        return ['run', 'canary', '-f', path];
      },
      says: ['broken.json: not valid JSON'],
    },
  ];

  it.each(cases)('$what: exit 2, the field and what is allowed on stderr', async ({ args, says }) => {
    // Act
    const { code, stdout, stderr } = await cutover(...args(), '--wait', '--endpoint', endpoint);
    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    for (const text of says) expect(stderr).toContain(text);
  });

  it('started no execution', async () => {
    // Act
    const { code, stdout } = await cutover('list', '--endpoint', endpoint);
    // Assess
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('no executions');
  });

  const unknownArn = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v9';
  it.each(
    ['watch', 'approve', 'reject', 'abort', 'history'].flatMap((command) => [
      { command, execution: 'checkout-v9', says: 'no execution named "checkout-v9"' },
      { command, execution: unknownArn, says: `no execution with ARN "${unknownArn}"` },
      { command, execution: 'checkout v9', says: 'no execution named "checkout v9"' },
    ]),
  )(
    '$command of an unknown execution $execution exits 2, naming it',
    async ({ command, execution, says }) => {
      // Act
      const { code, stdout, stderr } = await cutover(command, execution, '--endpoint', endpoint);
      // Assess
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`cutover: ${says}\n`);
    },
  );

  it("says where the endpoint's executions are for an ARN of another region or account, exit 2", async () => {
    // Prepare: an ARN copied from an account on AWS
    const copied = 'arn:aws:states:eu-west-1:123456789012:execution:canary:checkout-v7';
    // Act
    const { code, stderr } = await cutover('watch', copied, '--endpoint', endpoint);
    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      `cutover: no execution with ARN "${copied}": the state machines at this endpoint are under arn:aws:states:us-east-1:000000000000:\n`,
    );
  });

  it('names an ARN that is not an execution ARN and exits 2', async () => {
    // Act
    const { code, stderr } = await cutover('watch', 'arn:checkout-v9', '--endpoint', endpoint);
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('"arn:checkout-v9" is not an execution ARN');
  });
});

describe('cutover plan', () => {
  it('prints the steps, the expected duration, the state transitions and the cost', async () => {
    // Prepare
    const plan = buildPlan(
      'canary',
      validateRequest('canary', JSON.parse(readFileSync(join(REPO_ROOT, CANARY), 'utf8'))),
    );
    // Act
    const { code, stdout } = await cutover('plan', 'canary', '-f', CANARY);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('canary: stable -> canary');
    expect(stdout).toMatch(/step 1 of 2 .* 90\/10 +bake 30s, analyze 30s/);
    expect(stdout).toMatch(/step 2 of 2 .* 50\/50 +bake 30s, analyze 30s/);
    expect(stdout).toContain('\n  thresholds   maxErrorRate 0.05, maxLatencyP99Ms 500, minRequests 20\n');
    expect(stdout).toContain('\n  promote      stable to v2 at 100%\n  scale down   canary after 10s');
    expect(stdout).toMatch(/expected duration +1m 20s/);
    expect(stdout).toContain(`state transitions  ${plan.stateTransitions}\n`);
    expect(stdout).toContain(`AWS cost of a run  $${plan.estimatedCostUsd.toFixed(6)} (at $0.025 per 1,000`);
  });

  it('says what it assumes for a release that leaves out its replicas', async () => {
    // Prepare
    const path = aRequestFile('plan-no-replicas.json', (request) => {
      delete (request.release as { replicas?: number }).replicas;
    });
    // Act
    const { code, stdout, stderr } = await cutover('plan', 'canary', '-f', path);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('canary: stable -> canary');
    expect(stderr).toBe(
      'release.replicas is not given: the release will run as many replicas as the live track when it starts; this plan, which does not read the cluster, assumes 1\n',
    );
  });

  it('plans a rolling request without replicas for the fewest replicas its batch bounds fit, saying so', async () => {
    // Prepare
    const request = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/requests/rolling.json'), 'utf8'));
    delete request.release.replicas;
    request.rolling = { ...request.rolling, maxSurge: 0, maxUnavailable: 3 };
    const path = join(workDir, 'plan-rolling-no-replicas.json');
    writeFileSync(path, JSON.stringify(request));
    // Act
    const { code, stdout, stderr } = await cutover('plan', 'rolling', '-f', path);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('replicas new=0 old=1');
    expect(stderr).toBe(
      'release.replicas is not given: the release will run as many replicas as the live track when it starts; this plan, which does not read the cluster, assumes 4, the fewest that leaves a replica serving with maxSurge 0 and maxUnavailable 3\n',
    );
  });

  it('with --endpoint, plans the first release of a service no release of which succeeded; an endpoint that does not answer fails', async () => {
    // Act
    const first = await cutover('plan', 'canary', '-f', CANARY, '--endpoint', endpoint);
    const unanswered = await cutover('plan', 'canary', '-f', CANARY, '--endpoint', 'http://127.0.0.1:1');
    // Assess
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n').slice(0, 2)).toEqual([
      "canary: planned as a first release: no release of shop/checkout succeeded among the newest 100 executions of each workflow (--scan <n> looks further): if none serves it, it goes to 100% without steps, analysis or approval (the release reads the router's weights when it starts)",
      '  all at once  no steps and no analysis (first release): the promotion sends 100% to v2 at once',
    ]);
    expect(unanswered).toMatchObject({ code: 1, stdout: '' });
    expect(unanswered.stderr).toContain('127.0.0.1:1');
  });

  it('prints the switch and its analysis for blue-green', async () => {
    // Act
    const { code, stdout } = await cutover('plan', 'blue-green', '-f', 'examples/requests/blue-green.json');
    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/switch +blue ░{40} green 0\/100\n +post-switch analysis: bake 30s, analyze 30s/);
  });

  it('prints the steps of a database migration, what a failure does, its transitions and cost', async () => {
    // Act
    const { code, stdout, stderr } = await cutover('plan', 'database-migration', '-f', DATABASE_MIGRATION);
    // Assess
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(
      'database-migration: shop/orders, target postgres://postgres@127.0.0.1:5432/shop\n',
    );
    const steps = [...stdout.matchAll(/^ {2}(\S+) /gm)].map((match) => match[1]);
    expect(steps).toEqual([
      'Prepare',
      'Backup',
      'Migrate',
      'ListTables',
      'CopyTables',
      'SyncSequences',
      'Validate',
      'Notify',
      'Unlock',
    ]);
    expect(stdout).toMatch(/Backup +logical backup of public/);
    expect(stdout).toMatch(/Migrate +pending migrations of phase all .* from examples\/migrations\/shop/);
    expect(stdout).toMatch(/^on failure +nothing to undo: no copy; then publish Failed, unlock$/m);
    expect(stdout).toContain('state transitions  12\n');
    expect(stdout).toContain('AWS cost of a run  $0.000300 (at $0.025 per 1,000 transitions)\n');
  });

  it('prints a database migration plan as JSON with --json', async () => {
    // Prepare
    const withSource = aDatabaseMigrationFile('plan-with-source.json', (r) => {
      r.database.source = { url: 'postgres://postgres@127.0.0.1:5432/legacy' };
    });
    // Act
    const { code, stdout } = await cutover('plan', 'database-migration', '-f', withSource, '--json');
    // Assess
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan).toMatchObject({
      strategy: 'database-migration',
      stateTransitions: 12,
      estimatedCostUsd: 0.0003,
    });
    expect(plan.onFailure).toMatchObject({ undoCopy: true });
    expect(plan.variableTransitions).toEqual([
      { per: 'copied table', states: ['TableCopied'], transitions: 1 },
      { per: 'copy slice', states: ['CopySlice', 'TableDone'], transitions: 2 },
    ]);
  });

  it.each([
    {
      what: 'no database',
      change: (r: ExampleDatabaseMigration) => delete (r as { database?: unknown }).database,
      says: ['invalid database-migration request:', 'database: is required (must be an object)'],
    },
    {
      what: 'an RDS snapshot without its instance, and an unknown phase',
      change: (r: ExampleDatabaseMigration) => {
        r.backup = { method: 'rds-snapshot' };
        r.migrations.phase = 'sideways';
      },
      says: [
        'migrations.phase: must be one of: expand, contract, all (got "sideways")',
        'rds.instanceIdentifier: backup.method rds-snapshot needs rds.instanceIdentifier',
      ],
    },
    {
      what: 'a URL with a password',
      change: (r: ExampleDatabaseMigration) => {
        r.database.target = { url: 'postgres://postgres:secret@127.0.0.1:5432/shop' };
      },
      says: ['database.target.url: must be a postgres:// URL on 127.0.0.1 or localhost without a password'],
    },
    {
      what: 'a migrations directory that does not exist',
      change: (r: ExampleDatabaseMigration) => {
        r.migrations.directory = 'examples/migrations/nope';
      },
      says: ['migrations.directory examples/migrations/nope cannot be read (ENOENT)'],
    },
    {
      what: "a history table that is the service's own table",
      change: (r: ExampleDatabaseMigration) => {
        Object.assign(r.migrations, { historyTable: 'orders' });
      },
      says: [
        'migrations.historyTable: must be a table name of cutover_ then 1-55 lower-case letters, digits or _ (cutover_orders_history)',
      ],
    },
  ])('a database migration with $what exits 2 naming the fields', async ({ what, change, says }) => {
    // Prepare
    const path = aDatabaseMigrationFile(`plan-${what.replaceAll(' ', '-')}.json`, change);
    // Act
    const { code, stdout, stderr } = await cutover('plan', 'database-migration', '-f', path);
    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    for (const text of says) expect(stderr).toContain(text);
  });
});

describe('a canary release from the CLI', () => {
  it('the first release of a service goes straight to 100%', async () => {
    // Prepare
    const v1 = aRequestFile('v1.json', (r) => {
      r.release.version = 'v1';
    });
    // Act
    const { code, stdout } = await cutover('run', 'canary', '-f', v1, '--wait', '--endpoint', endpoint);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v1-[0-9a-f]{6}$/m,
    );
    expect(stdout).not.toContain('→ BakeStep');
    expect(stdout.trim().split('\n').at(-1)).toBe('SUCCEEDED');
  });

  it('traffic sends requests to the service proxy the release started and tallies them by track', async () => {
    // Act
    const sent = await cutover(
      'traffic',
      'shop/checkout',
      '--seconds',
      '2',
      '--rate',
      '25',
      '--data-dir',
      dataDir,
    );
    const unknown = await cutover('traffic', 'shop/nothing', '--seconds', '1', '--data-dir', dataDir);
    const noSuchTrack = await cutover(
      'traffic',
      'shop/checkout',
      '--track',
      'purple',
      '--seconds',
      '1',
      '--data-dir',
      dataDir,
    );
    // Assess
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^sending 25 requests\/s to http:\/\/127\.0\.0\.1:\d+\/ for 2 s$/m);
    expect(sent.stdout.trim().split('\n').at(-1)).toMatch(
      /^\S+ {2}sent (\d+) {2}by track: stable \1 {2}by status: 200 \1 {2}unanswered 0$/,
    );
    expect(unknown).toMatchObject({
      code: 2,
      stderr: `cutover: shop/nothing has no proxy in ${dataDir} yet: its first release starts one (cutover run)\n`,
    });
    // A track the service does not run is refused, naming the ones it runs, before any request is sent
    expect(noSuchTrack).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'cutover: --track purple: shop/checkout runs no track purple (its tracks: stable), and no release deploys one of that name (stable, canary, blue, green)\n',
    });
  });

  it('traffic exits 1 when nothing answered: the runtime that started the proxy is not running', async () => {
    // Prepare: a data dir whose runtime recorded a proxy, then stopped (nothing listens on its port)
    const stoppedDir = mkdtempSync(join(workDir, 'stopped-'));
    const db = new Database(localDatabasePath(stoppedDir));
    db.exec('CREATE TABLE local_router_services (namespace TEXT, name TEXT, port INTEGER)');
    db.prepare('INSERT INTO local_router_services VALUES (?, ?, ?)').run(
      'shop',
      'checkout',
      await aClosedPort(),
    );
    db.close();
    // Act
    const outcome = await cutover('traffic', 'shop/checkout', '--seconds', '1', '--data-dir', stoppedDir);
    // Assess
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/unanswered ([1-9]\d*) \(ECONNREFUSED \1\)\n$/);
    expect(outcome.stderr).toMatch(
      /^nothing answered at http:\/\/127\.0\.0\.1:\d+\/: is `cutover local` running on this data dir\?\n$/,
    );
  });

  it('run --wait of a healthy canary prints weights and verdicts and exits 0', async () => {
    // Prepare: traffic for the canary alone, started before the release deploys it
    const canaryOnly = startCli(
      ['traffic', 'shop/checkout', '--track', 'canary', '--seconds', '2', '--data-dir', dataDir],
      { AWS_REGION: 'us-east-1' },
    );
    while (!canaryOnly.stdout().includes('waiting for')) await new Promise((r) => setTimeout(r, 50));
    // Act
    const { code, stdout } = await cutover(
      'run',
      'canary',
      '-f',
      CANARY,
      '--name',
      'checkout-v2',
      '--wait',
      '--endpoint',
      endpoint,
    );
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2\n');
    expect(stdout).toMatch(/weights +stable █+░+ canary 90\/10/);
    expect(stdout).toMatch(/weights +stable █+░+ canary 50\/50/);
    expect(stdout).toMatch(/analysis PASS: all metrics within thresholds \(requestCount=\d+ errorRate=0/);
    expect(stdout).toMatch(/→ Promote\n/);
    expect(stdout.trim().split('\n').at(-1)).toBe('SUCCEEDED');
    // The traffic waited for the canary, then reached it alone
    expect(await canaryOnly.exited).toBe(0);
    expect(canaryOnly.stdout()).toMatch(
      /^waiting for shop\/checkout to run track canary \(its tracks: stable\): a release deploys its new track at its start \(Ctrl-C stops\)\nsending 20 requests\/s to track canary at http:\/\/127\.0\.0\.1:\d+\/ for 2 s\n/,
    );
    expect(canaryOnly.stdout().trim().split('\n').at(-1)).toMatch(/ {2}by track: canary \d+ {2}/);
  });

  it('list --status SUCCEEDED shows it', async () => {
    // Act
    const { code, stdout } = await cutover('list', '--status', 'SUCCEEDED', '--endpoint', endpoint);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^SUCCEEDED +canary +\S+ +checkout-v2$/m);
  });

  it('history prints its events', async () => {
    // Act
    const { code, stdout } = await cutover('history', 'checkout-v2', '--endpoint', endpoint);
    // Assess
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ +1 \S+ ExecutionStarted/);
    expect(stdout).toMatch(/TaskStateEntered AnalyzeStep/);
    expect(stdout).toMatch(/ (TaskSucceeded|LambdaFunctionSucceeded) weights stable \S+ canary \d+\/\d+$/m);
    expect(stdout).toMatch(/ (TaskSucceeded|LambdaFunctionSucceeded) analysis (PASS|INCONCLUSIVE): /);
    expect(lines.at(-1)).toMatch(/ExecutionSucceeded/);
  });

  it('approve lets a waiting release promote, leaving no pending approval: the waited run exits 0', async () => {
    // Prepare
    const name = 'checkout-v3-approved';
    const arn = `arn:aws:states:us-east-1:000000000000:execution:canary:${name}`;
    const { run } = await runWaitingForApproval(name);
    const pendingBefore = pendingApprovals();
    const status = await cutover('status', 'shop/checkout', '--endpoint', endpoint);
    // Act
    const approve = await cutover(
      'approve',
      name,
      '--reason',
      'dashboards look good',
      '--endpoint',
      endpoint,
    );
    const waited = await run;
    // Assess
    expect(status.stdout).toMatch(
      new RegExp(
        `^RUNNING +canary +\\S+ +${name} +started \\S+, in PauseAfterStep \\(step 1 of 1\\), stable 80 / canary 20, waiting for approval before the promotion \\(times out at \\d\\d:\\d\\d:\\d\\d UTC[+-]?[\\d:]*(?: on \\d{4}-\\d\\d-\\d\\d)?, in [^)]+, then the release rolls back\\): \`cutover approve ${name} --endpoint ${endpoint}\` or \`cutover reject ${name} --endpoint ${endpoint}\`$`,
        'm',
      ),
    );
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain(`approved ${arn}`);
    expect(pendingBefore).toContain(arn);
    expect(pendingApprovals()).not.toContain(arn);
    expect(waited.code).toBe(0);
    const answerWith = `${name} --endpoint ${endpoint}`;
    // The hour of the example runs at WAIT_TIME_SCALE: 6 minutes after the approval task was scheduled.
    const scheduled = (await readHistory(sfn, arn)).find(schedulesTaskTokenWait)!.timestamp!.getTime();
    const deadline = new Date(scheduled + 3_600_000 * Number(WAIT_TIME_SCALE)).toTimeString().slice(0, 8);
    // A deadline past midnight also names its day.
    expect(waited.stdout).toMatch(
      new RegExp(
        `→ WaitForAnswer\\n(?:→ \\w+\\n)*  approval waiting before the promotion \\(times out at ${deadline} UTC[+-]?[\\d:]*(?: on \\d{4}-\\d\\d-\\d\\d)?, in (6m 0s|5m 5\\ds), then the release rolls back\\): `,
      ),
    );
    expect(waited.stdout).toContain(
      `): \`cutover approve ${answerWith}\` goes on, \`cutover reject ${answerWith} --reason <why>\` rolls back\n`,
    );
    expect(waited.stdout).toMatch(
      new RegExp(
        `\n  approval approved by ${process.env.USER ?? 'cli'}: dashboards look good\n(→ \\w+\n)*→ DeployStable\n`,
      ),
    );
    expect(waited.stdout.trim().split('\n').at(-1)).toBe('SUCCEEDED');
  });

  it('reject ends a waiting release FAILED with ApprovalRejected, leaving no pending approval: the waited run exits 1', async () => {
    // Prepare
    const name = 'checkout-v3-rejected';
    const arn = `arn:aws:states:us-east-1:000000000000:execution:canary:${name}`;
    const { run } = await runWaitingForApproval(name);
    const pendingBefore = pendingApprovals();
    // Act
    const reject = await cutoverWith(
      { USER: 'bob' },
      'reject',
      name,
      '--reason',
      'p99 is creeping up',
      '--endpoint',
      endpoint,
    );
    const waited = await run;
    // Assess
    expect(reject.code).toBe(0);
    expect(pendingBefore).toContain(arn);
    expect(pendingApprovals()).not.toContain(arn);
    expect(waited.code).toBe(1);
    expect(waited.stdout).toMatch(/\n {2}approval rejected by bob: p99 is creeping up\n(.*\n)*→ Rollback\n/);
    expect(waited.stdout.trim().split('\n').at(-1)).toBe(
      'FAILED (rolled back): ApprovalRejected — rejected by bob: p99 is creeping up',
    );
  });

  it('approve of a release someone rejected first exits 2 saying who rejected it and why', async () => {
    // Act: alice answers the release bob rejected in the test before
    const approve = await cutoverWith(
      { USER: 'alice' },
      'approve',
      'checkout-v3-rejected',
      '--endpoint',
      endpoint,
    );
    // Assess
    expect(approve).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'cutover: checkout-v3-rejected is not waiting for an approval: it was rejected by bob (p99 is creeping up) and failed\n',
    });
  });

  it('approve and reject of a release aborted while it waited for approval exit 2 saying it was aborted', async () => {
    // Prepare
    const name = 'checkout-v3-aborted';
    const { run } = await runWaitingForApproval(name);
    await cutover('abort', name, '--reason', 'wrong image', '--endpoint', endpoint);
    await run;
    await cutover('watch', `abort-${name}`, '--endpoint', endpoint);
    // Act
    const approve = await cutover('approve', name, '--endpoint', endpoint);
    const reject = await cutover('reject', name, '--reason', 'too late', '--endpoint', endpoint);
    // Assess
    const said = `cutover: ${name} is not waiting for an approval: it was aborted\n`;
    expect(approve).toMatchObject({ code: 2, stdout: '', stderr: said });
    expect(reject).toMatchObject({ code: 2, stdout: '', stderr: said });
  });

  it('approve of a release that waits on nothing exits 2', async () => {
    // Act
    const { code, stderr } = await cutover('approve', 'checkout-v2', '--endpoint', endpoint);
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('checkout-v2 is not waiting for an approval');
  });

  it('approve and reject with a reason over 1,000 characters exit 2 before calling anything', async () => {
    // Act: 1,001 characters, and an endpoint where nothing listens
    const reason = `${'é'.repeat(1000)}!`;
    const outcomes = await Promise.all(
      (['approve', 'reject'] as const).map((decision) =>
        cutover(decision, 'checkout-v2', '--reason', reason, '--endpoint', 'http://127.0.0.1:9'),
      ),
    );
    // Assess
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        code: 2,
        stdout: '',
        stderr:
          "cutover: --reason must be at most 1,000 characters, the release API's limit (got 1,001): nothing was answered\n",
      });
    }
  });

  it('watch follows a release started without --wait to its end', async () => {
    // Prepare
    const name = 'checkout-v2-watched';
    const started = await cutover('run', 'canary', '-f', CANARY, '--name', name, '--endpoint', endpoint);
    // Act
    const watched = await cutover('watch', name, '--endpoint', endpoint);
    // Assess
    expect(started.code).toBe(0);
    expect(started.stdout.trim()).toBe(`arn:aws:states:us-east-1:000000000000:execution:canary:${name}`);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/weights +stable █+░+ canary 50\/50/);
    expect(watched.stdout.trim().split('\n').at(-1)).toBe('SUCCEEDED');
  });

  it('abort mid-bake ends the release ABORTED and rolls it back: traffic is restored', async () => {
    // Prepare: a first step that bakes for an hour (6 minutes here)
    const name = 'checkout-v6-aborted';
    const file = aRequestFile('long-bake.json', (r) => {
      r.release.version = 'v6';
      r.canary.steps[0]!.bakeSeconds = 3600;
    });
    const before = routed();
    await cutover('run', 'canary', '-f', file, '--name', name, '--endpoint', endpoint);
    await untilEntered(name, 'BakeStep');
    const baking = routed();
    // Act
    const whileBaking = await cutover('status', 'shop/checkout', '--endpoint', endpoint);
    const abort = await cutover('abort', name, '--reason', 'wrong image', '--endpoint', endpoint);
    const watched = await cutover('watch', name, '--endpoint', endpoint);
    const rollback = await cutover('watch', `abort-${name}`, '--endpoint', endpoint);
    const afterwards = await cutover('status', 'shop/checkout', '--limit', '2', '--endpoint', endpoint);
    const again = await cutover('abort', name, '--endpoint', endpoint);
    // Assess
    const execution = await sfn.send(
      new DescribeExecutionCommand({
        executionArn: `arn:aws:states:us-east-1:000000000000:execution:canary:${name}`,
      }),
    );
    expect(abort.code).toBe(0);
    expect(abort.stdout).toMatch(
      new RegExp(
        `^(rolling back|rolled back): arn:aws:states:us-east-1:000000000000:execution:rollback:abort-${name}`,
        'm',
      ),
    );
    expect(execution.status).toBe('ABORTED');
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout.trim().split('\n')).toEqual([
      `already aborted arn:aws:states:us-east-1:000000000000:execution:canary:${name}`,
      `rolled back: arn:aws:states:us-east-1:000000000000:execution:rollback:abort-${name} (SUCCEEDED)`,
    ]);
    expect(watched.code).toBe(1);
    expect(watched.stdout.trim().split('\n').slice(-2)).toEqual([
      'ABORTED: Aborted — wrong image',
      expect.stringMatching(
        new RegExp(
          `^rollback: abort-${name} (RUNNING|SUCCEEDED) — \`cutover watch abort-${name} --endpoint ${endpoint}\`$`,
        ),
      ),
    ]);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout.trim().split('\n').at(-1)).toBe('SUCCEEDED');
    expect(whileBaking.code).toBe(0);
    expect(whileBaking.stdout).toMatch(
      new RegExp(
        `^RUNNING +canary +v6 +${name} +started \\S+, in BakeStep \\(step 1 of 2\\), stable 90 / canary 10$`,
        'm',
      ),
    );
    expect(afterwards.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^shop\/checkout: last successful release v\d \(canary checkout-v\d\S*\)$/),
      expect.stringMatching(
        new RegExp(`^ABORTED +canary +v6 +${name} +\\S+, took \\d+s: Aborted — wrong image$`),
      ),
      `           rollback: abort-${name} SUCCEEDED — \`cutover watch abort-${name} --endpoint ${endpoint}\``,
      expect.stringMatching(/^SUCCEEDED +canary +v\d/),
    ]);
    expect(baking.weights).toEqual({ stable: 90, canary: 10 });
    expect(before.weights).toEqual({ stable: 100, canary: 0 });
    expect(routed().weights).toEqual(before.weights);
    expect(await answersFrom(routed().url, 20)).toEqual(new Set(['stable v2']));
  });

  it('plan --endpoint of a blue-green release names the live track the canaries left, stable, not blue', async () => {
    // Act
    const planned = await cutover(
      'plan',
      'blue-green',
      '-f',
      'examples/requests/blue-green.json',
      '--endpoint',
      endpoint,
    );
    // Assess
    expect(planned.code).toBe(0);
    expect(routed().weights).toEqual({ stable: 100, canary: 0 });
    expect(planned.stdout).toMatch(
      /^blue-green: stable -> blue \(stable is live: shop\/checkout's last successful release, canary v\d checkout-v\S+, left it all traffic\)\n/,
    );
    expect(planned.stdout).toMatch(/\n {2}switch {2}stable ░{40} blue 0\/100\n/);
    expect(planned.stdout).toContain('\n  scale down   stable after 10s (scaleDownDelaySeconds)\n');
    // The runtime runs waits at a tenth of their time: the plan says what its duration comes to there
    expect(planned.stdout).toContain(
      `\nexpected duration  45s (about 5s on the runtime at ${endpoint}, whose waits take 0.1x their time: WAIT_TIME_SCALE)\n`,
    );
  });
});

describe("a database migration's plan, read against its target", () => {
  let target: string;
  let directory: string;

  /** A request file migrating `target` from `directory` (the example's files, as the test changed them). */
  function planned(name: string, change: (request: ExampleDatabaseMigration) => void = () => undefined) {
    return aDatabaseMigrationFile(name, (r) => {
      r.database.target = { url: target };
      r.migrations.directory = directory;
      change(r);
    });
  }

  /** `cutover <args>` with the password of the test's PostgreSQL, as a user's shell would have it. */
  const withPassword = (...args: string[]) => cutoverWith({ PGPASSWORD: postgres.password }, ...args);

  /** `cutover plan database-migration -f <file> --endpoint <the runtime>`, with the password. */
  const planAtEndpoint = (file: string, ...flags: string[]) =>
    withPassword('plan', 'database-migration', '-f', file, '--endpoint', endpoint, ...flags);

  beforeAll(async () => {
    // The example's two migrations, applied by a migration run to its end
    target = requestUrl(await postgres.createDatabase('planned'));
    directory = join(workDir, 'planned-migrations');
    cpSync(join(REPO_ROOT, 'examples/migrations/shop'), directory, { recursive: true });
    const run = await withPassword(
      'run',
      'database-migration',
      '-f',
      planned('planned-first.json'),
      '--name',
      'planned-first',
      '--wait',
      '--endpoint',
      endpoint,
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    writeFileSync(join(directory, 'V3__orders_add_note.sql'), 'ALTER TABLE orders ADD COLUMN note text;\n');
  });

  it('lists the migrations the target has not applied, by its history', async () => {
    // Act
    const text = await planAtEndpoint(planned('planned.json'));
    const json = await planAtEndpoint(planned('planned.json'), '--json');
    // Assess
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toContain(
      "(V3__orders_add_note, by the target's history; it has applied 2 of the phase's 3 files)",
    );
    expect(JSON.parse(json.stdout).pendingMigrations).toEqual(['V3__orders_add_note']);
  });

  it('without --endpoint or --aws, lists every file of the phase', async () => {
    // Act
    const { code, stdout } = await withPassword('plan', 'database-migration', '-f', planned('offline.json'));
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain(
      '(V1__create_shop, V2__orders_add_status, V3__orders_add_note; those the target has applied are skipped)',
    );
  });

  it('exits 2 with what Prepare would refuse: an applied migration whose file changed', async () => {
    // Prepare
    const changed = join(workDir, 'changed-migrations');
    cpSync(directory, changed, { recursive: true });
    writeFileSync(join(changed, 'V1__create_shop.sql'), 'CREATE TABLE customers (id bigint PRIMARY KEY);\n');
    const file = planned('changed.json', (r) => {
      r.migrations.directory = changed;
    });
    // Act
    const { code, stdout, stderr } = await planAtEndpoint(file);
    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^cutover: Prepare would refuse this migration before locking shop\/orders: MigrationChecksumMismatch: migration V1__create_shop was changed after it was applied/,
    );
  });

  it("says the execution that left a target table half copied has ended, by that runtime's executions", async () => {
    // Prepare: a source of the shop's tables, and a progress row of execution planned-first for customers
    // as a copy stopped halfway leaves it (planned-first ran to its end, copying nothing)
    const sourceWithPassword = await postgres.createDatabase('planned_source');
    for (const file of ['V1__create_shop.sql', 'V2__orders_add_status.sql']) {
      await runSql(sourceWithPassword, readFileSync(join(directory, file), 'utf8'));
    }
    const source = requestUrl(sourceWithPassword);
    const targetWithPassword = Object.assign(new URL(target), { password: postgres.password }).href;
    await runSql(targetWithPassword, progressRowSql('planned-first', 'public.customers'));
    const file = planned('copied.json', (r) => {
      r.database.source = { url: source };
    });
    try {
      // Act
      const { code, stderr } = await planAtEndpoint(file);
      // Assess
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /^cutover: Prepare would refuse this migration before locking shop\/orders: TargetNotEmpty: target table public\.customers was being copied into by execution planned-first, which ended SUCCEEDED at \S+Z without finishing it/,
      );
    } finally {
      await runSql(targetWithPassword, 'DROP TABLE cutover_copy_progress');
    }
  });

  it('exits 2 as Prepare would refuse it when the server says the database does not exist', async () => {
    // Prepare: the target's server answers, but has no database of that name
    const file = planned('no-database.json', (r) => {
      r.database.target = { url: target.replace(/\/[^/]+$/, '/shop_misspelt') };
    });
    // Act
    const { code, stdout, stderr } = await planAtEndpoint(file);
    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^cutover: Prepare would refuse this migration before locking shop\/orders: ValidationError: cannot connect to database \S+\/shop_misspelt: database "shop_misspelt" does not exist/,
    );
  });

  it('plans without the history when the target cannot be reached, and says why', async () => {
    // Prepare
    const port = await aClosedPort();
    const file = planned('unreachable.json', (r) => {
      r.database.target = { url: `postgres://postgres@127.0.0.1:${port}/shop` };
    });
    // Act
    const { code, stdout, stderr } = await planAtEndpoint(file);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('V3__orders_add_note; those the target has applied are skipped)');
    expect(stderr).toContain(
      `warning: the databases were not read (database postgres://postgres@127.0.0.1:${port}/shop is not reachable: connect ECONNREFUSED`,
    );
  });
});

describe('a database migration aborted from the CLI', () => {
  it('abort unlocks the service: the next migration of it gets past the lock', async () => {
    // Prepare: a target whose table another session holds locked keeps Backup waiting, the service locked
    const database = await aDatabaseHeldLocked(postgres);
    const file = aDatabaseMigrationFile('silent-target.json', (r) => {
      r.database.target = { url: database.url };
    });
    const name = 'orders-db-aborted';
    const next = `${name}-next`;
    try {
      await cutover('run', 'database-migration', '-f', file, '--name', name, '--endpoint', endpoint);
      await untilEntered(name, 'Backup', 'database-migration');
      // Act
      const abort = await cutover('abort', name, '--reason', 'test', '--endpoint', endpoint);
      const rollback = await cutover('watch', `abort-${name}`, '--endpoint', endpoint);
      const stopped = await cutover('watch', name, '--endpoint', endpoint);
      await cutover('run', 'database-migration', '-f', file, '--name', next, '--endpoint', endpoint);
      // Assess: not refused with ServiceLocked, it locked the service and started its backup
      await untilEntered(next, 'Backup', 'database-migration');
      expect(abort.code).toBe(0);
      // The rollback the runtime started for the stop may have ended already
      expect(abort.stdout).toMatch(
        new RegExp(
          `^unlock(ing|ed) the service: arn:aws:states:us-east-1:000000000000:execution:rollback:abort-${name}( \\(SUCCEEDED\\))? \\(the database is not restored`,
          'm',
        ),
      );
      expect(abort.stdout).not.toContain('nothing to roll back');
      expect(rollback.code).toBe(0);
      expect(rollback.stdout.trim().split('\n').at(-1)).toBe('SUCCEEDED');
      // Stopped at its backup, it applied nothing: the rollback read the target's history to say so
      expect(stopped.code).toBe(1);
      expect(stopped.stdout).toContain(
        `\nrollback: abort-${name} SUCCEEDED: it applied no migration — \`cutover watch abort-${name} --endpoint ${endpoint}\`\n`,
      );
    } finally {
      // The runtime unlocks the stopped migration as well.
      await sfn
        .send(
          new StopExecutionCommand({
            executionArn: `arn:aws:states:us-east-1:000000000000:execution:database-migration:${next}`,
          }),
        )
        .catch(() => undefined);
      await database.close();
      // That stop starts a rollback: the runtime must not be stopped (afterAll) while it runs.
      await rollbackEnded(`abort-${next}`);
    }
  });
});

/** Resolves once the rollback execution `name` has ended, or none has started within 30 s. */
async function rollbackEnded(name: string): Promise<void> {
  const executionArn = `arn:aws:states:us-east-1:000000000000:execution:rollback:${name}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn })).catch(() => undefined);
    if (execution && execution.status !== 'RUNNING') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
