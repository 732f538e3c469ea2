// Log backends under the replicated state machine; see types.ts.
export { createMemoryLog } from "./memory.ts";
export {
	createSqliteLog,
	SQLITE_LOG_APPLICATION_ID,
	SQLITE_LOG_SCHEMA_VERSION,
	type SqliteLogOptions,
	type SqliteLogStats,
	type SqliteLogStore,
} from "./sqlite.ts";
export {
	DEFAULT_TRAILING,
	LogCompactedError,
	type LogEntry,
	type LogStore,
	type Snapshot,
} from "./types.ts";
