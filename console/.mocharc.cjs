module.exports = { ...require('../.mocharc.base.cjs'), timeout: 180000 };
