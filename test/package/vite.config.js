// The user's vite configuration: module workers (the services use top-level await and imports).
export default { logLevel: 'warn', worker: { format: 'es' }, build: { target: 'es2022' } };
