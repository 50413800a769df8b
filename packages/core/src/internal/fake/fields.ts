import * as Either from "effect/Either"
import { customFields } from "./directory.js"
import type { LabelStore } from "./labels.js"
import { pageRequest, paginate } from "./query.js"
import { badRequest, type Call, type Reply, success } from "./replies.js"

/** A lead field as `GET /leadFields` sends it. */
interface Field {
  readonly id: number
  readonly key: string
  readonly name: string
  readonly field_type: string
  readonly order_nr: number
  readonly add_time: string
  readonly update_time: string
  readonly last_updated_by_user_id: number | null
  readonly created_by_user_id: number | null
  readonly active_flag: boolean
  readonly edit_flag: boolean
  readonly bulk_edit_allowed: boolean
  readonly searchable_flag: boolean
  readonly filtering_allowed: boolean
  readonly sortable_flag: boolean
  readonly mandatory_flag: boolean
  readonly options: ReadonlyArray<{ readonly id: number | string; readonly label: string }> | null
}

/** Field times as Pipedrive writes them for fields: a space for the `T`, no zone. */
const fieldTime = "2022-11-15 08:30:00"

/** The system fields of a lead, then the company's custom fields (`label_ids` options are the labels). */
const systemFields: ReadonlyArray<readonly [key: string, name: string, type: string]> = [
  ["title", "Title", "varchar"],
  ["owner_id", "Owner", "user"],
  ["label_ids", "Labels", "set"],
  ["person_id", "Person", "people"],
  ["organization_id", "Organization", "org"],
  ["value", "Value", "monetary"],
  ["expected_close_date", "Expected close date", "date"],
  ["source_name", "Source", "varchar"],
  ["visible_to", "Visible to", "visible_to"],
  ["add_time", "Lead created", "date"],
  ["update_time", "Update time", "date"]
]

const field = (
  index: number,
  key: string,
  name: string,
  type: string,
  custom: boolean,
  options: Field["options"]
): Field => ({
  id: index + 1,
  key,
  name,
  field_type: type,
  order_nr: index + 1,
  add_time: fieldTime,
  update_time: fieldTime,
  last_updated_by_user_id: custom ? 1 : null,
  created_by_user_id: custom ? 1 : null,
  active_flag: true,
  edit_flag: custom,
  bulk_edit_allowed: true,
  searchable_flag: custom && (type === "varchar" || type === "text"),
  filtering_allowed: true,
  sortable_flag: true,
  mandatory_flag: key === "title",
  options
})

/** Every lead field, with the label options as the labels are now. */
export const leadFields = (labels: LabelStore): ReadonlyArray<Field> => {
  const system = systemFields.map(([key, name, type], i) =>
    field(i, key, name, type, false, key === "label_ids" ? labels.all().map(({ id, name }) => ({ id, label: name })) : null)
  )
  const custom = Object.values(customFields).map((custom, i) =>
    field(systemFields.length + i, custom.key, custom.name, custom.type, true, "options" in custom ? custom.options : null)
  )
  return [...system, ...custom]
}

/** Where every lead created through the API comes from, and the rest of Pipedrive's fixed list. */
export const leadSources: ReadonlyArray<string> = [
  "Manually created",
  "Deal",
  "Web forms",
  "Prospector",
  "Leadbooster",
  "Live chat",
  "Import",
  "Website visitors",
  "Workflow automation",
  "API"
]

/** `GET /leadFields` (offset pages) and `GET /leadSources`. */
export const fieldHandlers = (labels: LabelStore) => ({
  getLeadFields: (call: Call): Reply =>
    Either.match(pageRequest(call.request.query), {
      onLeft: (info) => badRequest(info, "Validation failed"),
      onRight: (page) => {
        const { items, pagination } = paginate(leadFields(labels), page)
        return success(200, items, { pagination })
      }
    }),
  getLeadSources: (_call: Call): Reply => success(200, leadSources.map((name) => ({ name })))
})
