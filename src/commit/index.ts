/**
 * The commit protocol (owner lease, offsets/N, intent files, _spark_metadata/N, commits/N,
 * restart resolution, re-run cleanup, data fencing, housekeeping, retry policy). Coordinator
 * side; the writer tasks import only intents.ts and owner-lease.ts (worker-safe).
 */
export { CommitProtocol, type CommitProtocolOptions, type Resolution } from './commit-protocol.js'
export { removeAttempts, sweepAttempts } from './attempt-cleanup.js'
export { attemptUuid, intentKey, intentPrefix, parseIntent, parseIntentKey, serializeIntent, INTENTS_DIR, type Intent, type IntentKey } from './intents.js'
export { OWNER_KEY, OwnerLease, parseOwner, type Owner } from './owner-lease.js'
export { isConcurrentWrite, RETRY_ATTEMPTS, RetryPolicy, retrying, type RetryDecision } from './retry-policy.js'
