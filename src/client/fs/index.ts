// The file system API of an allocation directory (Nomad's allocdir List/Stat/ReadAt + the
// FileSystem.Stream/Logs streaming RPCs), independent of HTTP.
export { type AllocFileInfo, goModeString, listDir, rfc3339Nano, sniffContentType, statFile } from "./info.ts";
export { ESCAPE_MESSAGE, isPrivatePath, type Resolved, resolveInAllocDir } from "./paths.ts";
export {
	BATCH_MS,
	encodeFrame,
	FILE_DELETED,
	FILE_TRUNCATED,
	type FileStreamPlan,
	FRAME_SIZE,
	HEARTBEAT_MS,
	type LogPlan,
	logIndexes,
	type PumpEnd,
	type PumpOptions,
	parseFrames,
	planFileStream,
	planLogs,
	pumpFile,
	readAt,
	type StreamFrame,
	StreamFramer,
	streamLogs,
} from "./stream.ts";
