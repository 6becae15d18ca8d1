import { beforeEach } from "vitest";

// A setup file of every test file (vitest.config.ts). Thousands of synchronous tests in a row
// never give the worker's event loop a turn, so vitest's own progress messages go unanswered;
// past 60 s the worker fails a run in which every test passed (test/README.md, "Keeping the
// runner healthy"; 14,106 Jinja vectors took 31 s on the loaded 2-core machine). Once a second,
// the next test waits for one turn of the event loop.
let lastTurn = Date.now();
beforeEach(async () => {
  if (Date.now() - lastTurn < 1000) return;
  await new Promise((resolve) => setImmediate(resolve));
  lastTurn = Date.now();
});
