/**
 * What every example's entry point shares: knowing whether it is the script Node started,
 * turning bad flags into a usage message, and running on Node with exit codes a shell
 * understands (0 done, 1 failed, 2 bad usage, 130 interrupted by Ctrl-C).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Data, Effect, Exit, Option } from "effect"
import { realpathSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parseArgs, type ParseArgsConfig } from "node:util"

/**
 * A failure already put into words for the person at the terminal: its message is printed
 * as is, and the process exits with `exitCode` (default 1).
 */
export class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly message: string
  readonly exitCode?: number
}> {}

/** Whether the module at `moduleUrl` is the script Node was started with, not one imported by another. */
export const isMain = (moduleUrl: string): boolean => {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl))
  } catch {
    return false
  }
}

/** The arguments after the script; a leading `--` (as some package managers forward it) is dropped. */
export const cliArgs = (): Array<string> => {
  const args = process.argv.slice(2)
  return args[0] === "--" ? args.slice(1) : args
}

/** The parser's complaint and the usage line, exit code 2. */
const usageError = (usage: string) => (error: unknown): CliFailure =>
  new CliFailure({ message: `${error instanceof Error ? error.message : String(error)}\n${usage}`, exitCode: 2 })

/** The flags given to the script (strictly: an unknown one is a usage error). */
export const parseFlags = <const O extends NonNullable<ParseArgsConfig["options"]>>(
  options: O,
  usage: string
): Effect.Effect<ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"], CliFailure> =>
  Effect.try({
    try: () => parseArgs({ args: cliArgs(), options, strict: true }).values,
    catch: usageError(usage)
  })

/** A whole number flag of at least `min`, or `fallback` when the flag is absent. */
export const intFlag = (
  name: string,
  raw: string | undefined,
  fallback: number,
  usage: string,
  min = 0
): Effect.Effect<number, CliFailure> => {
  if (raw === undefined) return Effect.succeed(fallback)
  const value = Number(raw)
  return Number.isSafeInteger(value) && value >= min
    ? Effect.succeed(value)
    : Effect.fail(
      new CliFailure({
        message: `--${name} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}\n${usage}`,
        exitCode: 2
      })
    )
}

const exitCodeOf = <E, A>(exit: Exit.Exit<A, E>): number => {
  if (Exit.isSuccess(exit)) return 0
  if (Cause.isInterruptedOnly(exit.cause)) return 130
  return Option.match(Cause.failureOption(exit.cause), {
    onNone: () => 1,
    onSome: (failure) => failure instanceof CliFailure ? failure.exitCode ?? 1 : 1
  })
}

/**
 * Runs an entry point: a failure prints its message (and a `CliFailure` exits with its code,
 * anything else with 1), a defect prints the whole cause, Ctrl-C interrupts the program (its
 * finalizers run) and exits with 130.
 */
export const runMain = (program: Effect.Effect<void, { readonly message: string }>): void =>
  NodeRuntime.runMain(
    program.pipe(
      Effect.tapErrorCause((cause) => {
        if (Cause.isInterruptedOnly(cause)) return Effect.void
        return Option.match(Cause.failureOption(cause), {
          onNone: () => Console.error(Cause.pretty(cause)),
          onSome: (failure) => Console.error(failure.message)
        })
      })
    ),
    { disableErrorReporting: true, teardown: (exit, onExit) => onExit(exitCodeOf(exit)) }
  )
