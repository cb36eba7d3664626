module.exports = { ...require('../.mocharc.base.cjs'), timeout: 240000 };
