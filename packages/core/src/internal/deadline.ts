/**
 * When the current call must have ended: the retry policy sets it for everything below it, so
 * that waiting for a rate-limit slot counts toward the same deadline as the retries' backoff.
 */
import * as FiberRef from "effect/FiberRef"

/** Epoch milliseconds; `Infinity` outside a retry policy. */
export const currentDeadline: FiberRef.FiberRef<number> = FiberRef.unsafeMake(Number.POSITIVE_INFINITY)
