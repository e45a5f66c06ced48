export { createWebdavHandler, type WebdavOptions } from './handler.js';
export { answerDavDiscovery } from './discovery.js';
