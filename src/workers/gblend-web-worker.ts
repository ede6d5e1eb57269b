// Web Worker / Deno worker entry of the G-Blend service: comlink's default endpoint is the worker's
// global scope (self), so the service is exposed as is.
import * as Comlink from 'comlink';
import { createGBlendService } from './gblend-service.js';

Comlink.expose(createGBlendService());
