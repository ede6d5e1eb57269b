// Compile-time check that the op table (op-table.ts) lists exactly the kernels of the Backend
// interface: `npm run build` fails when a kernel is added to one and not the other. No run-time code.
import type { Backend } from './backend.js';
import type { KernelName } from './op-table.js';

/** Backend members that are not ops: identity, memory, transfers, synchronisation. */
export type RuntimeMember = 'name' | 'info' | 'memory' | 'alloc' | 'free' | 'write' | 'read' | 'readSync' | 'sync' | 'dispose';
type InterfaceKernels = Exclude<keyof Backend, RuntimeMember>;
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const KERNEL_TABLE_MATCHES_BACKEND: Equal<InterfaceKernels, KernelName> = true;
