// Mocha's spec reporter, plus a JSON file with this run's counts and failures (in
// $TEST_RESULTS_DIR) so that `make test` can add up every suite into one closing
// "N passed, M failed" line and repeat the failing tests just above it, where a CI log's tail
// shows them.
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failed = [];
    runner.on('fail', (test, err) => {
      failed.push({ title: test.fullTitle(), error: String((err && err.message) || err).split('\n')[0].slice(0, 300) });
    });
    runner.once('end', () => {
      const dir = process.env.TEST_RESULTS_DIR;
      if (!dir) return;
      fs.mkdirSync(dir, { recursive: true });
      const { passes, failures, pending } = this.stats;
      const name = `${process.env.TEST_SUITE_NAME || path.basename(process.cwd())}-${process.pid}.json`;
      fs.writeFileSync(path.join(dir, name), JSON.stringify({ suite: process.env.TEST_SUITE_NAME, passes, failures, pending, failed }));
    });
  }
}

module.exports = SummaryReporter;
