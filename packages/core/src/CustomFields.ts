/**
 * Custom fields by name, typed: a declaration of the fields a program uses, each by its name
 * in Pipedrive and its kind, resolved to Pipedrive's 40-hex keys through the lead-fields API,
 * with codecs between Pipedrive's v1 wire forms and typed values.
 *
 * | kind | value | wire (v1) |
 * |---|---|---|
 * | `text` | `string` | string (varchar, varchar_auto, text, phone) |
 * | `double` | `number` | number |
 * | `monetary` | `{ amount, currency }` | number, and `<key>_currency` |
 * | `option` | an option's label | the option id as a string, `"191"` |
 * | `options` | labels | option ids joined by commas, `"201,203"` |
 * | `date` | `"YYYY-MM-DD"` | the same |
 * | `dateRange` / `timeRange` | `{ start, end }` | the start, and `<key>_until` |
 * | `time` | `"HH:MM:SS"` | the same |
 * | `user` / `person` / `organization` | an id | an id, or an object with it |
 * | `address` | `{ value, …parts }` | the formatted address, and `<key>_<part>` siblings |
 *
 * A field that is not set reads as `null`; writing `null` unsets it.
 *
 * @since 0.2.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { isCalendarDate } from "./internal/dates.js"

/**
 * What the lead-fields API says of one field: enough to resolve names and to encode values.
 *
 * @since 0.2.0
 * @category models
 */
export interface FieldInfo {
  readonly key: string
  readonly name: string
  readonly field_type: string
  readonly options?: ReadonlyArray<{ readonly id: number | string; readonly label: string }> | null | undefined
}

/**
 * The kinds of field a declaration can name.
 *
 * @since 0.2.0
 * @category models
 */
export type Kind =
  | "text"
  | "double"
  | "monetary"
  | "option"
  | "options"
  | "date"
  | "dateRange"
  | "time"
  | "timeRange"
  | "user"
  | "person"
  | "organization"
  | "address"

/**
 * One declared field: its name in Pipedrive, its kind, the `field_type`s that kind reads, and
 * its codec. `A` is the value's type when set.
 *
 * @since 0.2.0
 * @category models
 */
export interface Field<A> {
  readonly kind: Kind
  /** The field's name as Pipedrive shows it. */
  readonly name: string
  /** The `field_type`s a field of this kind may have in Pipedrive. */
  readonly fieldTypes: ReadonlyArray<string>
  /** The option labels the program expects (`option` and `options`), checked when resolving. */
  readonly options: ReadonlyArray<string> | undefined
  /** The typed value from a lead's keys, `null` when the field is not set; `Left` says why not. */
  decode(lead: Readonly<Record<string, unknown>>, field: FieldInfo): Either.Either<A | null, string>
  /** The wire keys that set the field to `value` (`null` unsets); `Left` says why not. */
  encode(value: A | null, field: FieldInfo): Either.Either<Readonly<Record<string, unknown>>, string>
}

/**
 * The value type of a declared field.
 *
 * @since 0.2.0
 * @category models
 */
export type ValueOf<F> = F extends Field<infer A> ? A | null : never

/**
 * A declaration: program names to fields.
 *
 * @since 0.2.0
 * @category models
 */
export type Fields = { readonly [name: string]: Field<unknown> }

/**
 * The typed values of a declaration, by program name.
 *
 * @since 0.2.0
 * @category models
 */
export type Values<F extends Fields> = { readonly [K in keyof F]: ValueOf<F[K]> }

/**
 * A monetary value.
 *
 * @since 0.2.0
 * @category models
 */
export interface Money {
  readonly amount: number
  readonly currency: string
}

/**
 * A date or time range.
 *
 * @since 0.2.0
 * @category models
 */
export interface Range {
  readonly start: string
  readonly end: string | null
}

/**
 * The parts of an address Pipedrive keeps beside the formatted value, each a `<key>_<part>` key.
 *
 * @since 0.2.0
 * @category constants
 */
export const addressParts = [
  "subpremise",
  "street_number",
  "route",
  "sublocality",
  "locality",
  "admin_area_level_1",
  "admin_area_level_2",
  "country",
  "postal_code",
  "formatted_address"
] as const

/**
 * An address: the value as entered, and the parts Pipedrive geocoded from it.
 *
 * @since 0.2.0
 * @category models
 */
export type Address =
  & { readonly value: string }
  & { readonly [P in typeof addressParts[number]]?: string | null }

/**
 * A declaration of the custom fields a program uses.
 *
 * @example
 * ```ts
 * import { CustomFields } from "@effect-pipedrive/core"
 *
 * const MyFields = CustomFields.define({
 *   region: CustomFields.text("Region"),
 *   budget: CustomFields.monetary("Budget"),
 *   stage: CustomFields.option("Lead stage", ["New", "Qualified", "Lost"]),
 *   tags: CustomFields.options("Tags")
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const define = <const F extends Fields>(fields: F): F => fields

const isSet = (value: unknown): boolean => value !== undefined && value !== null
const describe = (value: unknown) => JSON.stringify(value) ?? String(value)

const field = <A>(
  kind: Kind,
  name: string,
  fieldTypes: ReadonlyArray<string>,
  codec: {
    readonly decode: (lead: Readonly<Record<string, unknown>>, field: FieldInfo) => Either.Either<A | null, string>
    readonly encode: (value: A, field: FieldInfo) => Either.Either<Readonly<Record<string, unknown>>, string>
    /** Sibling keys that `null` unsets together with the key. */
    readonly siblings?: ReadonlyArray<string>
  },
  options?: ReadonlyArray<string>
): Field<A> => ({
  kind,
  name,
  fieldTypes,
  options,
  decode: codec.decode,
  encode: (value, info) => {
    if (value !== null) return codec.encode(value, info)
    const unset: Record<string, unknown> = { [info.key]: null }
    for (const suffix of codec.siblings ?? []) unset[`${info.key}_${suffix}`] = null
    return Either.right(unset)
  }
})

/** A field whose value is the key's own value, of one JSON type, checked both ways. */
const scalar = <A>(
  kind: Kind,
  name: string,
  fieldTypes: ReadonlyArray<string>,
  read: (wire: unknown) => A | undefined,
  check: (value: A) => string | undefined,
  write: (value: A) => unknown = (value) => value
): Field<A> =>
  field(kind, name, fieldTypes, {
    decode: (lead, info) => {
      const wire = lead[info.key]
      if (!isSet(wire)) return Either.right(null)
      const value = read(wire)
      return value === undefined ? Either.left(`${describe(wire)} is not a ${kind} value`) : Either.right(value)
    },
    encode: (value, info) => {
      const issue = check(value)
      return issue === undefined ? Either.right({ [info.key]: write(value) }) : Either.left(issue)
    }
  })

const asString = (wire: unknown) => typeof wire === "string" ? wire : undefined
const asNumber = (wire: unknown) =>
  typeof wire === "number" && Number.isFinite(wire)
    ? wire
    : typeof wire === "string" && wire.trim() !== "" && Number.isFinite(Number(wire))
    ? Number(wire)
    : undefined
/** An entity id: an integer, or an object that carries it (`id` or `value`), as some responses send. */
const asId = (wire: unknown): number | undefined => {
  if (typeof wire === "number") return Number.isSafeInteger(wire) && wire > 0 ? wire : undefined
  if (typeof wire === "string") return asId(asNumber(wire))
  if (typeof wire === "object" && wire !== null) {
    const record = wire as Record<string, unknown>
    return asId(record.id ?? record.value)
  }
  return undefined
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/
const timePattern = /^(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$/
const checkDate = (value: string) =>
  typeof value === "string" && datePattern.test(value) && isCalendarDate(value)
    ? undefined
    : `expected a date YYYY-MM-DD, got ${describe(value)}`
const checkTime = (value: string) =>
  typeof value === "string" && timePattern.test(value) ? undefined : `expected a time HH:MM:SS, got ${describe(value)}`
const checkText = (value: string) => typeof value === "string" ? undefined : `expected text, got ${describe(value)}`
const checkNumber = (value: number) =>
  typeof value === "number" && Number.isFinite(value) ? undefined : `expected a finite number, got ${describe(value)}`
const checkId = (value: number) =>
  Number.isSafeInteger(value) && value > 0 ? undefined : `expected an id (a positive integer), got ${describe(value)}`

/**
 * Text: `varchar`, `varchar_auto`, `text` and `phone` fields.
 *
 * @since 0.2.0
 * @category kinds
 */
export const text = (name: string): Field<string> =>
  scalar("text", name, ["varchar", "varchar_auto", "text", "phone"], asString, checkText)

/**
 * A number: `double` fields.
 *
 * @since 0.2.0
 * @category kinds
 */
export const double = (name: string): Field<number> => scalar("double", name, ["double"], asNumber, checkNumber)

/**
 * A date `YYYY-MM-DD`: `date` fields.
 *
 * @since 0.2.0
 * @category kinds
 */
export const date = (name: string): Field<string> =>
  scalar("date", name, ["date"], (wire) => typeof wire === "string" && checkDate(wire) === undefined ? wire : undefined, checkDate)

/**
 * A time `HH:MM:SS`: `time` fields.
 *
 * @since 0.2.0
 * @category kinds
 */
export const time = (name: string): Field<string> =>
  scalar("time", name, ["time"], (wire) => typeof wire === "string" && timePattern.test(wire) ? wire : undefined, checkTime)

/**
 * A Pipedrive user's id: `user` fields.
 *
 * @since 0.2.0
 * @category kinds
 */
export const user = (name: string): Field<number> => scalar("user", name, ["user"], asId, checkId)

/**
 * A person's id: `people` fields.
 *
 * @since 0.2.0
 * @category kinds
 */
export const person = (name: string): Field<number> => scalar("person", name, ["people"], asId, checkId)

/**
 * An organization's id: `org` fields.
 *
 * @since 0.2.0
 * @category kinds
 */
export const organization = (name: string): Field<number> => scalar("organization", name, ["org"], asId, checkId)

/**
 * An amount and its currency: `monetary` fields (the key, and `<key>_currency`).
 *
 * @since 0.2.0
 * @category kinds
 */
export const monetary = (name: string): Field<Money> =>
  field("monetary", name, ["monetary"], {
    siblings: ["currency"],
    decode: (lead, info) => {
      const wire = lead[info.key]
      if (!isSet(wire)) return Either.right(null)
      const amount = asNumber(wire)
      const currency = lead[`${info.key}_currency`]
      return amount === undefined || typeof currency !== "string"
        ? Either.left(`${describe(wire)} with currency ${describe(currency)} is not a monetary value`)
        : Either.right({ amount, currency })
    },
    encode: (value, info) =>
      typeof value !== "object" || value === null || checkNumber(value.amount) !== undefined ||
        typeof value.currency !== "string" || value.currency.trim() === ""
        ? Either.left(`expected { amount: a finite number, currency: a currency code }, got ${describe(value)}`)
        : Either.right({ [info.key]: value.amount, [`${info.key}_currency`]: value.currency })
  })

const range = (kind: "dateRange" | "timeRange", name: string, check: (value: string) => string | undefined) =>
  field<Range>(kind, name, [kind === "dateRange" ? "daterange" : "timerange"], {
    siblings: ["until"],
    decode: (lead, info) => {
      const start = lead[info.key]
      if (!isSet(start)) return Either.right(null)
      const end = lead[`${info.key}_until`] ?? null
      return typeof start !== "string" || check(start) !== undefined ||
          (end !== null && (typeof end !== "string" || check(end) !== undefined))
        ? Either.left(`${describe(start)} until ${describe(end)} is not a ${kind}`)
        : Either.right({ start, end })
    },
    encode: (value, info) => {
      if (typeof value !== "object" || value === null) return Either.left(`expected { start, end }, got ${describe(value)}`)
      const issue = check(value.start) ?? (value.end === null ? undefined : check(value.end))
      return issue !== undefined
        ? Either.left(issue)
        : Either.right({ [info.key]: value.start, [`${info.key}_until`]: value.end })
    }
  })

/**
 * A date range: `daterange` fields (the start, and `<key>_until`).
 *
 * @since 0.2.0
 * @category kinds
 */
export const dateRange = (name: string): Field<Range> => range("dateRange", name, checkDate)

/**
 * A time range: `timerange` fields (the start, and `<key>_until`).
 *
 * @since 0.2.0
 * @category kinds
 */
export const timeRange = (name: string): Field<Range> => range("timeRange", name, checkTime)

/**
 * An address: `address` fields (the value as entered, and the parts Pipedrive geocoded).
 *
 * @since 0.2.0
 * @category kinds
 */
export const address = (name: string): Field<Address> =>
  field("address", name, ["address"], {
    siblings: addressParts,
    decode: (lead, info) => {
      const value = lead[info.key]
      if (!isSet(value)) return Either.right(null)
      if (typeof value !== "string") return Either.left(`${describe(value)} is not an address`)
      const parts: Record<string, string | null> = {}
      for (const part of addressParts) {
        const wire = lead[`${info.key}_${part}`]
        if (wire === undefined) continue
        if (wire !== null && typeof wire !== "string") return Either.left(`${part} ${describe(wire)} is not text`)
        parts[part] = wire
      }
      return Either.right({ value, ...parts } as Address)
    },
    encode: (value, info) => {
      if (typeof value !== "object" || value === null || typeof value.value !== "string") {
        return Either.left(`expected { value: the address, …parts }, got ${describe(value)}`)
      }
      const wire: Record<string, unknown> = { [info.key]: value.value }
      for (const part of addressParts) {
        const given = value[part]
        if (given === undefined) continue
        if (given !== null && typeof given !== "string") return Either.left(`${part} must be text, got ${describe(given)}`)
        wire[`${info.key}_${part}`] = given
      }
      return Either.right(wire)
    }
  })

const optionsOf = (info: FieldInfo) => info.options ?? []
const labelOf = (info: FieldInfo, id: string) => optionsOf(info).find((option) => String(option.id) === id)?.label
const idOf = (info: FieldInfo, label: string) => optionsOf(info).find((option) => option.label === label)?.id
const unknownLabel = (info: FieldInfo, label: unknown) =>
  `${describe(label)} is not an option of ${JSON.stringify(info.name)}; one of ${
    optionsOf(info).map((option) => JSON.stringify(option.label)).join(", ")
  }`

/**
 * Marks an option id Pipedrive sent that the cached field does not list: the field's options
 * changed since they were read, and reading them again may explain it.
 *
 * @since 0.2.0
 * @category models
 */
export const unknownOptionPrefix = "unknown option id"

/**
 * One option, by its label: `enum` fields (the option id as a string on the wire). With
 * `labels`, the value's type is their union, and resolving checks Pipedrive has exactly them.
 *
 * @since 0.2.0
 * @category kinds
 */
export const option = <const L extends string = string>(name: string, labels?: ReadonlyArray<L>): Field<L> =>
  field<L>("option", name, ["enum"], {
    decode: (lead, info) => {
      const wire = lead[info.key]
      if (!isSet(wire)) return Either.right(null)
      const label = labelOf(info, String(wire))
      return label === undefined ? Either.left(`${unknownOptionPrefix} ${describe(wire)}`) : Either.right(label as L)
    },
    encode: (value, info) => {
      const id = idOf(info, value)
      return id === undefined ? Either.left(unknownLabel(info, value)) : Either.right({ [info.key]: String(id) })
    }
  }, labels)

/**
 * Several options, by their labels: `set` fields (option ids joined by commas on the wire).
 * An empty list is sent as `""`, and reads back as `[]`.
 *
 * @since 0.2.0
 * @category kinds
 */
export const options = <const L extends string = string>(
  name: string,
  labels?: ReadonlyArray<L>
): Field<ReadonlyArray<L>> =>
  field<ReadonlyArray<L>>("options", name, ["set"], {
    decode: (lead, info) => {
      const wire = lead[info.key]
      if (!isSet(wire)) return Either.right(null)
      const ids = Array.isArray(wire) ? wire.map(String) : String(wire) === "" ? [] : String(wire).split(",")
      const out: Array<L> = []
      for (const id of ids) {
        const label = labelOf(info, id.trim())
        if (label === undefined) return Either.left(`${unknownOptionPrefix} ${describe(id)}`)
        out.push(label as L)
      }
      return Either.right(out)
    },
    encode: (value, info) => {
      if (!Array.isArray(value)) return Either.left(`expected a list of option labels, got ${describe(value)}`)
      const ids: Array<string> = []
      for (const label of value as ReadonlyArray<unknown>) {
        const id = typeof label === "string" ? idOf(info, label) : undefined
        if (id === undefined) return Either.left(unknownLabel(info, label))
        ids.push(String(id))
      }
      return Either.right({ [info.key]: ids.join(",") })
    }
  }, labels)

/**
 * Why a declaration does not fit the company's fields: a name that does not exist, a field of
 * another type, or options that differ from those declared. `closest` lists the nearest names.
 *
 * @example
 * ```ts
 * import { CustomFields, TypedLeads } from "@effect-pipedrive/core"
 * import { Effect } from "effect"
 *
 * const MyFields = CustomFields.define({ budget: CustomFields.monetary("Budget") })
 *
 * // A declaration that no longer fits the account (a field renamed, say) names the closest fields.
 * const budgets = Effect.flatMap(TypedLeads.make(MyFields), (leads) => leads.getLeads()).pipe(
 *   Effect.catchTag("CustomFieldError", (error) => Effect.dieMessage(error.message))
 * )
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export class CustomFieldError extends Schema.TaggedError<CustomFieldError>()("CustomFieldError", {
  /** The name in the declaration. */
  field: Schema.String,
  reason: Schema.String,
  closest: Schema.Array(Schema.String)
}) {
  override get message() {
    const near = this.closest.length === 0 ? "" : ` (closest: ${this.closest.map((n) => JSON.stringify(n)).join(", ")})`
    return `custom field ${JSON.stringify(this.field)}: ${this.reason}${near}`
  }
}

/** Edit distance, case-insensitive: how the closest names are chosen. */
const distance = (a: string, b: string): number => {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i)
  for (let i = 1; i <= x.length; i++) {
    const current = [i]
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[y.length]!
}

/**
 * The names among `names` nearest to `name`, at most three.
 *
 * @since 0.2.0
 * @category utils
 */
export const closest = (name: string, names: ReadonlyArray<string>): ReadonlyArray<string> =>
  [...new Set(names)]
    .map((candidate) => [candidate, distance(name, candidate)] as const)
    .sort((a, b) => a[1] - b[1])
    .slice(0, 3)
    .map(([candidate]) => candidate)

/**
 * A declaration resolved against the company's fields: each program name with its field.
 *
 * @since 0.2.0
 * @category models
 */
export type Resolved<F extends Fields> = { readonly [K in keyof F]: FieldInfo }

/**
 * Resolves every declared field by name: it must exist, have a `field_type` its kind reads
 * and, when the declaration lists options, exactly those options.
 *
 * @since 0.2.0
 * @category resolution
 */
export const resolve = <F extends Fields>(
  declaration: F,
  fields: ReadonlyArray<FieldInfo>
): Either.Either<Resolved<F>, CustomFieldError> => {
  const resolved: Record<string, FieldInfo> = {}
  for (const [as, declared] of Object.entries(declaration)) {
    const named = fields.filter((info) => info.name === declared.name)
    const info = named.find((candidate) => declared.fieldTypes.includes(candidate.field_type))
    if (info === undefined) {
      const fail = (reason: string, names: ReadonlyArray<string>) =>
        Either.left(new CustomFieldError({ field: declared.name, reason, closest: names }))
      if (named.length > 0) {
        return fail(
          `is a ${named[0]!.field_type} field in Pipedrive, not ${declared.kind} (${declared.fieldTypes.join(", ")})`,
          []
        )
      }
      return fail("no lead field has this name", closest(declared.name, fields.map((f) => f.name)))
    }
    if (declared.options !== undefined) {
      const actual = optionsOf(info).map((o) => o.label)
      const missing = declared.options.filter((label) => !actual.includes(label))
      const extra = actual.filter((label) => !declared.options!.includes(label))
      if (missing.length > 0 || extra.length > 0) {
        return Either.left(
          new CustomFieldError({
            field: declared.name,
            reason: `options differ from Pipedrive's: ${
              [
                missing.length > 0 ? `not in Pipedrive: ${missing.map((l) => JSON.stringify(l)).join(", ")}` : "",
                extra.length > 0 ? `only in Pipedrive: ${extra.map((l) => JSON.stringify(l)).join(", ")}` : ""
              ].filter((part) => part !== "").join("; ")
            }`,
            closest: []
          })
        )
      }
    }
    resolved[as] = info
  }
  return Either.right(resolved as Resolved<F>)
}

/**
 * The typed values of a lead's declared fields; `Left` names the first field that does not
 * decode.
 *
 * @since 0.2.0
 * @category codecs
 */
export const decodeValues = <F extends Fields>(
  declaration: F,
  resolved: Resolved<F>,
  lead: Readonly<Record<string, unknown>>
): Either.Either<Values<F>, { readonly field: string; readonly issue: string }> => {
  const values: Record<string, unknown> = {}
  for (const as of Object.keys(declaration)) {
    const decoded = (declaration[as] as Field<unknown>).decode(lead, resolved[as]!)
    if (Either.isLeft(decoded)) return Either.left({ field: as, issue: decoded.left })
    values[as] = decoded.right
  }
  return Either.right(values as Values<F>)
}

/**
 * The wire keys for some typed values; the issues, one per field that cannot be encoded.
 *
 * @since 0.2.0
 * @category codecs
 */
export const encodeValues = <F extends Fields>(
  declaration: F,
  resolved: Resolved<F>,
  values: Partial<Values<F>>
): Either.Either<Readonly<Record<string, unknown>>, ReadonlyArray<string>> => {
  const wire: Record<string, unknown> = {}
  const issues: Array<string> = []
  for (const [as, value] of Object.entries(values)) {
    const declared = declaration[as] as Field<unknown> | undefined
    if (declared === undefined) {
      issues.push(`fields.${as}: not a declared field; one of ${Object.keys(declaration).join(", ")}`)
      continue
    }
    if (value === undefined) continue
    const encoded = declared.encode(value, resolved[as]!)
    if (Either.isLeft(encoded)) issues.push(`fields.${as}: ${encoded.left}`)
    else Object.assign(wire, encoded.right)
  }
  return issues.length === 0 ? Either.right(wire) : Either.left(issues)
}
