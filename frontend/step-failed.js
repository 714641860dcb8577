// The one rule for "this step failed", for every view that marks it.

/** Whether a step failed: it raised (its `error`), or it is Flask's got_request_exception signal. */
export function stepFailed(step) {
  return Boolean(step.error) || step.name === 'got_request_exception';
}
