import { Model, snakeCaseMappers, type Pojo } from 'objection';

/**
 * Base of nasd's objection models: camelCase properties over snake_case columns, and booleans
 * normalized (SQLite returns 0/1, PostgreSQL true/false). The mapping covers model objects only:
 * column names in where/orderBy clauses stay snake_case. Models are never bound to a global knex:
 * call `Model.query(knex)` so several databases can be open at once (tests).
 */
export class BaseModel extends Model {
  static override get columnNameMappers() {
    return snakeCaseMappers();
  }

  /** Properties stored as booleans; subclasses list theirs. */
  static booleanColumns: string[] = [];

  override $parseDatabaseJson(json: Pojo): Pojo {
    const parsed = super.$parseDatabaseJson(json);
    for (const key of (this.constructor as typeof BaseModel).booleanColumns) {
      if (key in parsed && parsed[key] !== null) parsed[key] = Boolean(parsed[key]);
    }
    return parsed;
  }
}
