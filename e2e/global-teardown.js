import { rmSync } from 'node:fs';

// The server is stopped by Playwright's webServer; its instance folder goes here.
export default function globalTeardown() {
  const dir = process.env.STATELAB_E2E_INSTANCE;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
