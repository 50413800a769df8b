/**
 * Newline-delimited JSON output that stays valid whatever stops the program. A batch of
 * values is one write of whole lines, and that write is uninterruptible: Ctrl-C lands
 * between batches, never inside a line. A file is synced and closed when its scope closes,
 * on success, failure and interruption alike.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Data, Effect, type Scope } from "effect"

/** Writing the output failed (disk full, permissions, a closed pipe). */
export class OutputError extends Data.TaggedError("OutputError")<{
  readonly target: string
  readonly reason: string
}> {
  override get message() {
    return `could not write ${this.target}: ${this.reason}`
  }
}

/** Where NDJSON goes. */
export interface NdjsonWriter {
  /** A file path, or `stdout`. */
  readonly target: string
  /** Writes one line per value, all of them or none. */
  readonly write: (values: Iterable<unknown>) => Effect.Effect<void, OutputError>
  /** Bytes written so far. */
  readonly bytes: Effect.Effect<number>
}

const encoder = new TextEncoder()

const encodeLines = (values: Iterable<unknown>): Uint8Array => {
  let text = ""
  for (const value of values) text += `${JSON.stringify(value)}\n`
  return encoder.encode(text)
}

const counting = (
  target: string,
  writeBytes: (bytes: Uint8Array) => Effect.Effect<void, OutputError>
): NdjsonWriter => {
  let written = 0
  return {
    target,
    write: (values) =>
      Effect.suspend(() => {
        const bytes = encodeLines(values)
        if (bytes.length === 0) return Effect.void
        return writeBytes(bytes).pipe(
          Effect.tap(() => {
            written += bytes.length
          }),
          Effect.uninterruptible
        )
      }),
    bytes: Effect.sync(() => written)
  }
}

/** A new file at `path` (replacing any), synced and closed with the scope. */
export const toFile = (path: string): Effect.Effect<NdjsonWriter, OutputError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const failed = (error: { readonly message: string }) => new OutputError({ target: path, reason: error.message })
    const file = yield* fs.open(path, { flag: "w" }).pipe(Effect.mapError(failed))
    // Finalizers run last-added first: this sync runs before the handle is closed.
    yield* Effect.addFinalizer(() => Effect.ignore(file.sync))
    return counting(path, (bytes) => Effect.mapError(file.writeAll(bytes), failed))
  })

/**
 * Standard output; each write completes when Node has handed the bytes on. A reader that goes
 * away (`| head`) fails the next write with `OutputError` instead of crashing the process.
 */
export const toStdout = (): Effect.Effect<NdjsonWriter, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => {
        // The write's callback reports the error; this only keeps the stream's 'error' event handled.
        const ignore = () => {}
        process.stdout.on("error", ignore)
        return ignore
      }),
      (ignore) => Effect.sync(() => process.stdout.off("error", ignore))
    ),
    () =>
      counting("stdout", (bytes) =>
        Effect.async<void, OutputError>((resume) => {
          process.stdout.write(bytes, (error) =>
            resume(
              error == null ? Effect.void : Effect.fail(new OutputError({ target: "stdout", reason: error.message }))
            ))
        }))
  )
