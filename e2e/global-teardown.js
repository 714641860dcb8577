import { rmSync } from 'node:fs';

// The servers are stopped by Playwright's webServer; their instance folders go here.
export default function globalTeardown() {
  for (const dir of [process.env.STATELAB_E2E_INSTANCE, process.env.STATELAB_E2E_SMALL_INSTANCE,
    process.env.STATELAB_E2E_CAPPED_INSTANCE]) {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
