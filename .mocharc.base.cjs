// Shared mocha settings; each workspace's .mocharc.cjs spreads this.
const path = require('node:path');
module.exports = {
  'node-option': ['import=tsx', 'conditions=source'],
  extension: ['ts'],
  reporter: path.join(__dirname, 'scripts/mocha-reporter.cjs'),
  timeout: 30000,
  exit: true,
};
