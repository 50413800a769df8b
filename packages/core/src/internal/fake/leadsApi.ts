import * as Either from "effect/Either"
// Shared with the client: the Lead type (the wire shape, no behaviour) and Pipedrive's custom
// field key format, which the client exports but never consults on a request.
import { isCustomFieldKey, type Lead } from "../../Lead.js"
import { type Directory, permittedUsers, tokenUserId } from "./directory.js"
import type { EndpointName } from "./faults.js"
import { paginate, parseListQuery, parseSearchQuery, selectLeads } from "./query.js"
import { hash32, type Rng } from "./random.js"
import { search, toSearchItem } from "./search.js"
import type { Entry, LeadStore } from "./store.js"
import { badRequest, type Call, type Reply, success, timestamp, uuidPattern } from "./replies.js"
import { type Changes, parseObject, validate } from "./validate.js"
import * as Wire from "./wire.js"

/**
 * What each endpoint does to the store, once the request got past authentication, the rate
 * limits and the faults: a status and a JSON body.
 */

/** What the model does for each operation; an operation without a handler answers 501. */
export type Handlers = { readonly [K in EndpointName]?: (call: Call) => Reply }

const notFound: Reply = { status: 404, body: Wire.notFoundBody }


/** A lead with the changes of a PATCH applied: `null` unsets, a custom field's `null` removes it. */
const applyChanges = (lead: Lead, changes: Changes, now: number): Lead => {
  const next: Record<string, unknown> = { ...lead }
  for (const [key, value] of Object.entries(changes)) {
    if (value === null && isCustomFieldKey(key)) {
      delete next[key]
      delete next[`${key}_currency`]
    } else {
      next[key] = value
    }
  }
  if (changes.is_archived !== undefined && changes.is_archived !== lead.is_archived) {
    next.archive_time = changes.is_archived === true ? timestamp(now) : null
  }
  next.update_time = timestamp(now)
  return next as Lead
}

/** A lead created through the API: `source_name` and `origin` "API", owned by the token's user unless said. */
const newLead = (changes: Changes, id: string, now: number, ccEmail: string): Lead => {
  const custom = Object.entries(changes).filter(([key, value]) => isCustomFieldKey(key) && value !== null)
  return {
    id,
    title: changes.title,
    owner_id: changes.owner_id ?? tokenUserId,
    creator_id: tokenUserId,
    label_ids: changes.label_ids ?? [],
    value: changes.value ?? null,
    expected_close_date: changes.expected_close_date ?? null,
    person_id: changes.person_id ?? null,
    organization_id: changes.organization_id ?? null,
    is_archived: false,
    source_name: "API",
    origin: "API",
    origin_id: changes.origin_id ?? null,
    channel: changes.channel ?? null,
    channel_id: changes.channel_id ?? null,
    was_seen: changes.was_seen ?? false,
    next_activity_id: null,
    add_time: timestamp(now),
    update_time: timestamp(now),
    visible_to: changes.visible_to ?? "3",
    cc_email: ccEmail,
    archive_time: null,
    source_deal_id: null,
    ...Object.fromEntries(custom)
  } as Lead
}

export const makeHandlers = (store: LeadStore, directory: Directory, ids: Rng): Handlers => {
  let created = store.size

  const existing = (call: Call): Entry | Reply => {
    const id = call.params.id
    if (id === undefined || !uuidPattern.test(id)) return badRequest(`"id" must be a valid GUID`)
    return store.get(id) ?? notFound
  }
  const isReply = (found: Entry | Reply): found is Reply => "status" in found

  const body = (call: Call, mode: "create" | "update") =>
    Either.flatMap(parseObject(call.request.body), (object) => validate(object, mode, directory))

  const list = (call: Call, archived: boolean): Reply =>
    Either.match(parseListQuery(call.request.query), {
      onLeft: (info) => badRequest(info, "Validation failed"),
      onRight: (query) => {
        const selected = store.view(`list:${archived}:${query.key}`, (ordered) => selectLeads(ordered, archived, query))
        const page = paginate(selected, query)
        // Pipedrive may send an empty page as `data: null`; the model does, so clients cope.
        return success(200, page.items.length === 0 ? null : page.items.map((entry) => entry.lead), {
          pagination: page.pagination
        })
      }
    })

  return {
    addLead: (call) =>
      Either.match(body(call, "create"), {
        onLeft: (info) => badRequest(info),
        onRight: (changes) => {
          const lead = newLead(changes, ids.uuid(), call.now, `test-company+lead${++created}@pipedrivemail.com`)
          store.put(lead)
          return success(201, lead)
        }
      }),
    getLead: (call) => {
      const found = existing(call)
      return isReply(found) ? found : success(200, found.lead)
    },
    updateLead: (call) => {
      const found = existing(call)
      if (isReply(found)) return found
      return Either.match(body(call, "update"), {
        onLeft: (info) => badRequest(info),
        onRight: (changes) => {
          // Since 2025-07-15 archived leads are not editable through the API; unarchiving is.
          if (found.lead.is_archived && changes.is_archived !== false) {
            return badRequest(
              "Unarchive the lead first (is_archived: false) to change it.",
              "Archived leads cannot be updated"
            )
          }
          const updated = applyChanges(found.lead, changes, call.now)
          if (updated.person_id === null && updated.organization_id === null) {
            return badRequest("A lead must be linked to a person or an organization (or both).")
          }
          store.put(updated)
          return success(200, updated)
        }
      })
    },
    deleteLead: (call) => {
      const found = existing(call)
      if (isReply(found)) return found
      store.delete(found.lead.id)
      return success(200, { id: found.lead.id })
    },
    getLeadUsers: (call) => {
      const found = existing(call)
      if (isReply(found)) return found
      return success(200, permittedUsers(found.lead.owner_id ?? tokenUserId, hash32(found.lead.id), directory.users))
    },
    getLeads: (call) => list(call, false),
    getArchivedLeads: (call) => list(call, true),
    searchLeads: (call) =>
      Either.match(parseSearchQuery(call.request.query), {
        onLeft: (info) => badRequest(info, "Validation failed"),
        onRight: (query) => {
          const page = paginate(store.view(`search:${query.key}`, (ordered) => search(ordered, query)), query)
          return success(
            200,
            { items: page.items.map((hit) => toSearchItem(hit, query.includeWasSeen)) },
            { pagination: page.pagination }
          )
        }
      })
  }
}
