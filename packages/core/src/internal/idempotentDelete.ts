import * as Effect from "effect/Effect"
import type { PipedriveError } from "../Errors.js"

/**
 * A delete made idempotent under retries: a retry whose earlier attempt went through finds the
 * entity gone — which is what was asked, so it succeeds with `deleted`. Only a first-attempt
 * 404 means there was no such entity.
 */
export const goneOnRetry = <A>(deleted: A) => <R>(
  self: Effect.Effect<A, PipedriveError, R>
): Effect.Effect<A, PipedriveError, R> =>
  Effect.catchTag(self, "NotFound", (error) => error.attempts > 1 ? Effect.succeed(deleted) : Effect.fail(error))
