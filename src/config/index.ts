export { loadConfig } from './load.js';
export { configSchema, type Config, type ConfigInput, type HardwareMode } from './schema.js';
export { summarizeConfig, type SettingView } from './summary.js';
