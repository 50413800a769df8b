import * as Either from "effect/Either"
// Shared with the client on purpose: Pipedrive's key format, which the client exports for its
// users but never consults on a request, so sharing it hides no client mistake.
import { isCustomFieldKey } from "../../Lead.js"
import { enums } from "./contract.js"
import type { Directory } from "./directory.js"

/**
 * Server-side validation of lead bodies, written from the contract and independent of the
 * client's schemas (a test double that shared them could not catch the client's mistakes).
 * Messages read like Pipedrive's (`"title" is required`).
 */

type Check = (value: unknown, key: string, directory: Directory) => string | undefined

interface FieldRule {
  readonly check: Check
  /** `null` is accepted (it unsets the field on update, means "none" on create). */
  readonly nullable: boolean
  /** Where the key is accepted. */
  readonly on: "both" | "create" | "update"
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const datePattern = /^\d{4}-\d{2}-\d{2}$/

const isInt = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value)

const string: Check = (value, key) => typeof value === "string" ? undefined : `"${key}" must be a string`
const title: Check = (value, key) =>
  typeof value !== "string"
    ? `"${key}" must be a string`
    : value.trim() === ""
    ? `"${key}" is not allowed to be empty`
    : undefined
const boolean: Check = (value, key) => typeof value === "boolean" ? undefined : `"${key}" must be a boolean`
const integer: Check = (value, key) => isInt(value) ? undefined : `"${key}" must be an integer`

const entity = (kind: keyof Directory, noun: string): Check => (value, key, directory) => {
  if (!isInt(value) || value <= 0) return `"${key}" must be a positive integer`
  return value <= directory[kind] ? undefined : `${noun} with id ${value} was not found`
}

const uuids: Check = (value, key) => {
  if (!Array.isArray(value)) return `"${key}" must be an array`
  const bad = value.findIndex((item) => typeof item !== "string" || !uuidPattern.test(item))
  return bad === -1 ? undefined : `"${key}[${bad}]" must be a valid GUID`
}

const money: Check = (value, key) => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `"${key}" must be of type object`
  const { amount, currency } = value as { readonly amount?: unknown; readonly currency?: unknown }
  if (amount === undefined) return `"${key}.amount" is required`
  if (typeof amount !== "number" || !Number.isFinite(amount)) return `"${key}.amount" must be a number`
  if (currency === undefined) return `"${key}.currency" is required`
  if (typeof currency !== "string" || currency === "") return `"${key}.currency" must be a non-empty string`
  const extra = Object.keys(value).find((k) => k !== "amount" && k !== "currency")
  return extra === undefined ? undefined : `"${key}.${extra}" is not allowed`
}

const date: Check = (value, key) => {
  if (typeof value !== "string" || !datePattern.test(value)) return `"${key}" must be in YYYY-MM-DD format`
  const parsed = new Date(`${value}T00:00:00.000Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value)
    ? undefined
    : `"${key}" must be a valid date`
}

const visibilities: ReadonlySet<string> = new Set(enums.visibleTo)
const visibility: Check = (value, key) =>
  (typeof value === "string" || isInt(value)) && visibilities.has(String(value))
    ? undefined
    : `"${key}" must be one of [${enums.visibleTo.join(", ")}]`

const fields: Readonly<Record<string, FieldRule>> = {
  title: { check: title, nullable: false, on: "both" },
  owner_id: { check: entity("users", "User"), nullable: false, on: "both" },
  label_ids: { check: uuids, nullable: false, on: "both" },
  person_id: { check: entity("persons", "Person"), nullable: true, on: "both" },
  organization_id: { check: entity("organizations", "Organization"), nullable: true, on: "both" },
  value: { check: money, nullable: true, on: "both" },
  expected_close_date: { check: date, nullable: true, on: "both" },
  visible_to: { check: visibility, nullable: false, on: "both" },
  was_seen: { check: boolean, nullable: false, on: "both" },
  origin_id: { check: string, nullable: true, on: "create" },
  channel: { check: integer, nullable: true, on: "both" },
  channel_id: { check: string, nullable: true, on: "both" },
  is_archived: { check: boolean, nullable: false, on: "update" }
}

/** A validated body: the keys sent, `visible_to` as a string, custom field keys kept as given. */
export type Changes = Readonly<Record<string, unknown>>

/** Parses a JSON body that must be an object. */
export const parseObject = (body: string | undefined): Either.Either<Record<string, unknown>, string> => {
  if (body === undefined || body.trim() === "") return Either.left(`"value" must be of type object`)
  try {
    const parsed: unknown = JSON.parse(body)
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? Either.right(parsed as Record<string, unknown>)
      : Either.left(`"value" must be of type object`)
  } catch {
    return Either.left("the request body is not valid JSON")
  }
}

/** Checks every key of a create (`mode: "create"`) or PATCH body; the first problem wins. */
export const validate = (
  body: Record<string, unknown>,
  mode: "create" | "update",
  directory: Directory
): Either.Either<Changes, string> => {
  const keys = Object.keys(body)
  if (mode === "create" && body.title === undefined) return Either.left(`"title" is required`)
  if (mode === "update" && keys.length === 0) return Either.left(`"value" must have at least 1 key`)
  const changes: Record<string, unknown> = {}
  for (const key of keys) {
    const value = body[key]
    if (isCustomFieldKey(key)) {
      changes[key] = value
      continue
    }
    const rule = fields[key]
    if (rule === undefined || (rule.on !== "both" && rule.on !== mode)) return Either.left(`"${key}" is not allowed`)
    if (value === null) {
      if (!rule.nullable) return Either.left(`"${key}" must not be null`)
    } else {
      const problem = rule.check(value, key, directory)
      if (problem !== undefined) return Either.left(problem)
    }
    changes[key] = key === "visible_to" ? String(value) : value
  }
  if (mode === "create" && changes.person_id == null && changes.organization_id == null) {
    return Either.left(`"value" must contain at least one of [person_id, organization_id]`)
  }
  return Either.right(changes)
}
