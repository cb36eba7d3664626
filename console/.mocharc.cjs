// one system (every service, the console) serves all browser tests: started by the first that
// needs it, stopped by the root hook after the last
module.exports = { ...require('../.mocharc.base.cjs'), timeout: 120000, require: ['test/support/hooks.ts'] };
