// comlink ships node-adapter.d.ts beside node-adapter.mjs; NodeNext resolution looks for .d.mts.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  // A worker_threads Worker or MessagePort.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export default function nodeEndpoint(nep: { postMessage(message: any, transfer?: any[]): void; on(type: string, listener: any): unknown; off(type: string, listener: any): unknown }): Endpoint;
}
