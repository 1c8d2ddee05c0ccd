/**
 * Run before `npm test`: the browser tests drive the system Chromium, and the database TLS test issues
 * certificates with `openssl`. Installs the Debian packages that are missing when this runs as root with
 * apt-get (a fresh CI machine); otherwise says how to.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from './browser.ts';

/** The Debian packages the tests need, each with how to tell it is there and where it is looked for. */
const NEEDED = [
  {
    name: 'chromium',
    where: `${CHROMIUM_PATH} (or set CHROMIUM_PATH)`,
    present: () => existsSync(CHROMIUM_PATH),
  },
  { name: 'openssl', where: 'the PATH', present: () => spawnSync('openssl', ['version']).status === 0 },
];

function run(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

const missing = NEEDED.filter(({ present }) => !present());
if (missing.length > 0) {
  const names = missing.map(({ name }) => name);
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    const needed = missing.map(({ name, where }) => `${name} at ${where}`).join(', ');
    console.error(`The tests need ${needed}: sudo apt-get install -y ${names.join(' ')}`);
    process.exit(1);
  }
  console.error(`Installing ${names.join(', ')} for the tests (apt-get)...`);
  const installed = run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', ...names]);
  const stillMissing = missing.filter(({ present }) => !present());
  if (!installed || stillMissing.length > 0) {
    console.error(
      `apt-get did not install ${stillMissing.map(({ name, where }) => `${name} at ${where}`).join(', ')}`,
    );
    process.exit(1);
  }
}
