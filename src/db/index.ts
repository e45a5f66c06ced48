export { openDatabase, type Database, type DbKind } from './knex.js';
