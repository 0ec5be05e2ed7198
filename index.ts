/**
 * The public library surface of frogpond. Each stage's entry function is exported here
 * as it lands.
 */
export * from './language/index.js';
