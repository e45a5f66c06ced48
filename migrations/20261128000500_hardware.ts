import type { Knex } from 'knex';

const TELEMETRY_TABLES = ['telemetry_raw', 'telemetry_1m', 'telemetry_1h'] as const;

// Times are epoch milliseconds in bigint columns; measured values are doubles (nullable: a
// first systeminformation sample has no rates yet).
export async function up(knex: Knex): Promise<void> {
  // One row per disk per SMART scan; the values of that scan in smart_scan_values, keyed like the API (`ata.199`, `nvme.media_errors`, `temperature`).
  await knex.schema.createTable('smart_scans', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('at').notNullable();
    t.string('device', 64).notNullable();
    t.string('serial', 128).nullable();
    t.string('model', 128).nullable();
    t.string('verdict', 16).notNullable();
    t.text('reasons').notNullable(); // JSON array of strings
    t.index(['device', 'at']);
  });
  await knex.schema.createTable('smart_scan_values', (t) => {
    t.bigInteger('scan_id').notNullable().references('id').inTable('smart_scans').onDelete('CASCADE');
    t.string('attribute', 64).notNullable();
    t.double('value').notNullable();
    t.primary(['scan_id', 'attribute']);
  });
  // An admin's acknowledgement of a warning on one disk's attribute, at the value they saw. The disk is its serial when it has one.
  await knex.schema.createTable('smart_acknowledgements', (t) => {
    t.increments('id').primary();
    t.string('disk_key', 160).notNullable();
    t.string('attribute', 64).notNullable();
    t.double('value').notNullable();
    t.integer('user_id').nullable();
    t.string('username', 64).notNullable();
    t.bigInteger('at').notNullable();
    t.unique(['disk_key', 'attribute']);
  });
  await knex.schema.createTable('fan_curves', (t) => {
    t.string('fan_id', 128).primary();
    t.string('sensor_id', 128).notNullable();
    t.text('points').notNullable(); // JSON [{tempC, duty}]
    t.integer('min_duty').notNullable();
    t.integer('max_duty').notNullable();
    t.double('hysteresis_c').notNullable();
    t.string('updated_by', 64).notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  for (const name of TELEMETRY_TABLES) {
    await knex.schema.createTable(name, (t) => {
      t.bigInteger('at').primary(); // raw: sample time; 1m/1h: bucket start
      t.integer('samples').notNullable().defaultTo(1);
      for (const col of ['cpu_load', 'mem_used', 'mem_total', 'disk_read_bps', 'disk_write_bps', 'net_rx_bps', 'net_tx_bps', 'fs_used', 'fs_size']) {
        t.double(col).nullable();
      }
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const name of [...TELEMETRY_TABLES].reverse()) await knex.schema.dropTableIfExists(name);
  await knex.schema.dropTableIfExists('fan_curves');
  await knex.schema.dropTableIfExists('smart_acknowledgements');
  await knex.schema.dropTableIfExists('smart_scan_values');
  await knex.schema.dropTableIfExists('smart_scans');
}
