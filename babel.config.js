// Babel for the ES modules Jest loads from node_modules (JupyterLab's preset).
module.exports = require('@jupyterlab/testutils/lib/babel.config');
