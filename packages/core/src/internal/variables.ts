/**
 * Environment variables as `Config`s whose errors name the variable and never show a value —
 * nor Effect's `<redacted>` placeholder, which reads as if a value had been found.
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/**
 * A variable that may be unset. Set but empty is an error: an empty token or address is a
 * mistake in the environment, never what was meant.
 */
export const optional = (name: string): Config.Config<Option.Option<string>> =>
  Config.option(Config.string(name)).pipe(Config.mapOrFail((value) =>
    Option.isSome(value) && value.value.trim() === ""
      ? Either.left(ConfigError.InvalidData([name], `${name} is set but empty`))
      : Either.right(value)
  ))

/** A variable that must be set, and not empty. */
export const required = (name: string): Config.Config<string> =>
  Config.mapOrFail(optional(name), (value) =>
    Option.isSome(value)
      ? Either.right(value.value)
      : Either.left(ConfigError.MissingData([name], `Expected ${name} to be set`)))

/** A secret that must be set, and not empty. */
export const secret = (name: string): Config.Config<Redacted.Redacted> => Config.map(required(name), Redacted.make)
