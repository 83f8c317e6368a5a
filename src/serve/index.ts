export { serveModel, type ModelServer, type ServeOptions } from './server.js';
