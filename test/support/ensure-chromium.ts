/**
 * Run before `npm test`: the browser tests drive the system Chromium. Installs Debian's `chromium` package
 * when it is missing and this runs as root with apt-get (a fresh CI machine); otherwise says how to.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from './browser.ts';

function run(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

if (!existsSync(CHROMIUM_PATH)) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error(
      `The browser tests need Chromium at ${CHROMIUM_PATH}: sudo apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
    process.exit(1);
  }
  console.error('Installing chromium for the browser tests (apt-get)...');
  const installed = run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', 'chromium']);
  if (!installed || !existsSync(CHROMIUM_PATH)) {
    console.error(`apt-get did not install chromium at ${CHROMIUM_PATH}`);
    process.exit(1);
  }
}
