// Playwright Test: Debian's Chromium, the app on a free port with a throwaway instance
// folder. The port and folder are chosen once, in the runner, and inherited by workers
// through the environment.
import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function freePort() {
  const script = "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return execFileSync(process.execPath, ['-e', script]).toString().trim();
}

process.env.STATELAB_E2E_PORT ||= freePort();
process.env.STATELAB_E2E_INSTANCE ||= mkdtempSync(path.join(os.tmpdir(), 'statelab-e2e-'));
process.env.STATELAB_E2E_SMALL_PORT ||= freePort();
process.env.STATELAB_E2E_SMALL_INSTANCE ||= mkdtempSync(path.join(os.tmpdir(), 'statelab-e2e-small-'));
process.env.STATELAB_E2E_CAPPED_PORT ||= freePort();
process.env.STATELAB_E2E_CAPPED_INSTANCE ||= mkdtempSync(path.join(os.tmpdir(), 'statelab-e2e-capped-'));
const port = process.env.STATELAB_E2E_PORT;
const baseURL = `http://127.0.0.1:${port}`;
const smallPort = process.env.STATELAB_E2E_SMALL_PORT;
// A second server with a class's limits made tiny (e2e/workshop.spec.js): one live
// viewer per lab, and a 120-event log that twenty requests overflow (room enough for
// a poll every 2 s to see whole requests).
export const SMALL_LIMITS = { STATELAB_MAX_VIEWERS: '1', STATELAB_LAB_EVENTS: '120' };
// A third that follows one lab live at a time (e2e/watched-labs.spec.js, its only user:
// another spec's lab beside it would take the one place).
const cappedPort = process.env.STATELAB_E2E_CAPPED_PORT;
export const CAPPED_LIMITS = { STATELAB_MAX_WATCHED_LABS: '1' };

// Every browser of the suite is one client address (127.0.0.1), as a class behind one NAT
// address is: its per-address caps are raised as the README says such a class needs
// (docs/API.md, Configuration). The specs of those caps set them back (`limits`).
const ONE_ADDRESS_CLASS = {
  STATELAB_LABS_PER_ADDRESS: '1000', STATELAB_MAX_LABS: '1000',
  STATELAB_LOGIN_ADDRESS_RATE: '10000/minute', STATELAB_CRACK_RATE: '1000/minute',
  STATELAB_REQUESTS_PER_ADDRESS: '1000',
};

/** `python -m statelab` on `serverPort` with its own instance folder and `limits`. */
function labServer(serverPort, instance, limits = {}) {
  return {
    command: '.venv/bin/python -m statelab',
    url: `http://127.0.0.1:${serverPort}/api/health`,
    env: { PORT: serverPort, HOST: '127.0.0.1', STATELAB_INSTANCE_PATH: instance, ...ONE_ADDRESS_CLASS, ...limits },
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  };
}

const DESKTOP = { browserName: 'chromium', viewport: { width: 1440, height: 900 } };

export default defineConfig({
  testDir: './e2e',
  globalTeardown: './e2e/global-teardown.js',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  // Budgets, not waits: a passing test ends as soon as its conditions hold; these only
  // bound a failing one, sized for a 2-core machine at a load average of 25.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  use: {
    baseURL,
    // A failing test keeps its trace (each action's DOM snapshot, the network, the
    // console) and a screenshot of its end. The trace's screencast (a frame after every
    // change, on every page) is not recorded: it cost a fifth of the suite's CPU.
    trace: { mode: 'retain-on-failure', screenshots: false },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  // Two projects, one after the other. class.spec.js drives 30 browser contexts; beside
  // it the machine is too busy for the specs that watch the clock (CI saw a 3 s cookie
  // run out before expiry.spec.js looked, at a load average of 10-27), so it runs after
  // them, on its own. `npx playwright test e2e/class.spec.js` runs the others first;
  // `--no-deps` does not.
  projects: [
    { name: 'chromium', testIgnore: /class\.spec\.js/, use: DESKTOP },
    { name: 'class', testMatch: /class\.spec\.js/, dependencies: ['chromium'], use: DESKTOP },
  ],
  webServer: [
    labServer(port, process.env.STATELAB_E2E_INSTANCE),
    labServer(smallPort, process.env.STATELAB_E2E_SMALL_INSTANCE, SMALL_LIMITS),
    labServer(cappedPort, process.env.STATELAB_E2E_CAPPED_INSTANCE, CAPPED_LIMITS),
  ],
});
