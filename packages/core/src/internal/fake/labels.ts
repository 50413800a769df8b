import * as Either from "effect/Either"
import { enums } from "./contract.js"
import { labels as seededLabels } from "./directory.js"
import { badRequest, type Call, notFound, type Reply, success, timestamp, uuidPattern } from "./replies.js"
import type { Rng } from "./random.js"
import type { LeadStore } from "./store.js"
import { parseObject } from "./validate.js"

/** A lead label as the model keeps and sends it. */
export interface Label {
  readonly id: string
  readonly name: string
  readonly color: string
  readonly add_time: string
  readonly update_time: string
}

const colors: ReadonlyArray<string> = enums.labelColors

/** When the seeded labels were made: before any seeded lead. */
const seededAt = "2022-12-01T09:00:00.000Z"

const labelNotFound = notFound("requested lead label not found")

/** The company's labels, starting with the ones seeded leads carry, in creation order. */
export class LabelStore {
  private readonly labels = new Map<string, Label>(
    seededLabels.map(({ color, id, name }) => [id, { id, name, color, add_time: seededAt, update_time: seededAt }])
  )

  all(): ReadonlyArray<Label> {
    return [...this.labels.values()]
  }

  get(id: string): Label | undefined {
    return this.labels.get(id)
  }

  put(label: Label): void {
    this.labels.set(label.id, label)
  }

  delete(id: string): boolean {
    return this.labels.delete(id)
  }
}

const checkName = (value: unknown): string | undefined =>
  typeof value !== "string" ? `"name" must be a string` : value.trim() === "" ? `"name" is not allowed to be empty` : undefined

const checkColor = (value: unknown): string | undefined =>
  typeof value === "string" && colors.includes(value) ? undefined : `"color" must be one of [${colors.join(", ")}]`

/** Checks a label body: both keys on create, at least one on update, nothing else. */
const validateLabel = (
  body: Record<string, unknown>,
  mode: "create" | "update"
): Either.Either<{ readonly name?: string; readonly color?: string }, string> => {
  const keys = Object.keys(body)
  const unknown = keys.find((key) => key !== "name" && key !== "color")
  if (unknown !== undefined) return Either.left(`"${unknown}" is not allowed`)
  if (mode === "create") {
    if (body.name === undefined) return Either.left(`"name" is required`)
    if (body.color === undefined) return Either.left(`"color" is required`)
  }
  if (keys.length === 0) return Either.left(`"value" must have at least 1 key`)
  const problem = (body.name === undefined ? undefined : checkName(body.name)) ??
    (body.color === undefined ? undefined : checkColor(body.color))
  return problem === undefined ? Either.right(body as { readonly name?: string; readonly color?: string }) : Either.left(problem)
}

const validBody = (call: Call, mode: "create" | "update") =>
  Either.flatMap(parseObject(call.request.body), (body) => validateLabel(body, mode))

/**
 * `GET/POST /leadLabels`, `PATCH/DELETE /leadLabels/{id}`. Deleting a label takes it off every
 * lead that carried it, as Pipedrive does.
 */
export const labelHandlers = (labels: LabelStore, leads: LeadStore, ids: Rng) => {
  const existing = (call: Call): Label | Reply => {
    const id = call.params.id
    if (id === undefined || !uuidPattern.test(id)) return badRequest(`"id" must be a valid GUID`)
    return labels.get(id) ?? labelNotFound
  }
  const isReply = (found: Label | Reply): found is Reply => "status" in found

  return {
    getLeadLabels: (_call: Call): Reply => success(200, labels.all()),
    addLeadLabel: (call: Call): Reply =>
      Either.match(validBody(call, "create"), {
        onLeft: (info) => badRequest(info),
        onRight: ({ color, name }) => {
          const now = timestamp(call.now)
          const label: Label = { id: ids.uuid(), name: name!, color: color!, add_time: now, update_time: now }
          labels.put(label)
          return success(200, label)
        }
      }),
    updateLeadLabel: (call: Call): Reply => {
      const found = existing(call)
      if (isReply(found)) return found
      return Either.match(validBody(call, "update"), {
        onLeft: (info) => badRequest(info),
        onRight: (changes) => {
          const label: Label = { ...found, ...changes, update_time: timestamp(call.now) }
          labels.put(label)
          return success(200, label)
        }
      })
    },
    deleteLeadLabel: (call: Call): Reply => {
      const found = existing(call)
      if (isReply(found)) return found
      labels.delete(found.id)
      for (const { lead } of leads.all()) {
        if (lead.label_ids?.includes(found.id) === true) {
          leads.put({ ...lead, label_ids: lead.label_ids.filter((id) => id !== found.id) })
        }
      }
      return success(200, { id: found.id })
    }
  }
}
