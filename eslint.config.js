// Lint: eslint's and typescript-eslint's recommended rules (typecheck itself is `tsc --noEmit`),
// plus the import boundaries of docs/architecture.md ("Thread boundary").
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// Code a worker thread loads (the piscina entry src/worker/writer-task.ts and everything it
// reaches) may not load the coordinator's heavy or stateful modules. The rule is per folder; test
// /unit/worker-boundary.test.ts walks the compiled import graph from the entry for the transitive
// truth. Type-only imports are erased by tsc and allowed.
const WORKER_SIDE = ['src/worker/**', 'src/kafka/**', 'src/sql/**', 'src/storage/**', 'src/errors.ts', 'src/error-codes/**']
const workerPackages = [
  { name: 'kafkajs', message: 'worker code reads Kafka with src/kafka/ (FetchClient); kafkajs is coordinator-only (src/kafka-admin/).' },
  { name: 'prom-client', message: 'worker code returns figures as data; the coordinator owns the metrics registry (src/metrics/).' },
  ...['pino-pretty', 'pino/file', 'pino-abstract-transport', 'thread-stream'].map((name) => ({
    name,
    message: 'pino transports start threads of their own; worker code returns what to log to the coordinator.',
  })),
]
const workerFolders = {
  group: ['**/kafka-admin/*', '**/query/*', '**/metrics/*', '**/planner/*', '**/checkpoint/*', '**/cli/*', '**/loadgen/*', '**/config/*', '!**/config/types.js', '../index.js'],
  message: 'worker-side code (docs/architecture.md, "Thread boundary") may not load coordinator code or config loading; import types only (`import type`), or move the shared part to a worker-side folder.',
  allowTypeImports: true,
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-control-regex': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: WORKER_SIDE,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: workerPackages, patterns: [workerFolders] }],
    },
  },
  {
    // Metrics are fed from the query's events; the query imports metrics, never the reverse.
    files: ['src/metrics/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/query/*'], message: 'metrics may not import the query (it imports metrics): put shared types in src/metrics/ or a neutral module.' }],
      }],
    },
  },
)
