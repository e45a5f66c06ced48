export { createWebdavHandler, type WebdavOptions } from './handler.js';
