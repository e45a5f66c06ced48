export { isPostgresUrl, knownMigrations, openDatabase, sqliteFile, type Database, type DbKind } from './knex.js';
