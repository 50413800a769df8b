// Shared with the client: the Lead type (the wire shape, no behaviour) and Pipedrive's custom
// field key format, which the client exports but never consults on a request.
import { isCustomFieldKey, type Lead } from "../../Lead.js"
import { organizationName, personEmail, personName } from "./directory.js"
import type { SearchQuery } from "./query.js"
import type { Entry } from "./store.js"

/** A lead that matched, with what matched in it. */
export interface Hit {
  readonly entry: Entry
  readonly score: number
  readonly notes: ReadonlyArray<string>
  readonly customFields: ReadonlyArray<string>
}

const customStrings = (lead: Lead): Array<string> => {
  const values: Array<string> = []
  for (const key of Object.keys(lead)) {
    const value = lead[key]
    if (isCustomFieldKey(key) && !key.endsWith("_currency") && typeof value === "string") values.push(value)
  }
  return values
}

/**
 * Searches title, notes and custom fields' string values (those `query.fields` names), case
 * insensitively: the term anywhere in the text, or — with `exact_match` — the whole text.
 * Best matches first (title before notes before custom fields), then oldest first.
 */
export const search = (ordered: ReadonlyArray<Entry>, query: SearchQuery): Array<Hit> => {
  const term = query.term.toLowerCase()
  const matches = (text: string) => {
    const lower = text.toLowerCase()
    return query.exactMatch ? lower === term : lower.includes(term)
  }
  const hits: Array<Hit> = []
  for (const entry of ordered) {
    const { lead } = entry
    if (query.personId !== undefined && lead.person_id !== query.personId) continue
    if (query.organizationId !== undefined && lead.organization_id !== query.organizationId) continue
    let score = 0
    if (query.fields.has("title") && matches(lead.title)) {
      const title = lead.title.toLowerCase()
      score = title === term ? 1 : title.startsWith(term) ? 0.8 : 0.6
    }
    const notes = query.fields.has("notes") ? entry.notes.filter(matches) : []
    if (notes.length > 0) score = Math.max(score, 0.4)
    const customFields = query.fields.has("custom_fields") ? customStrings(lead).filter(matches) : []
    if (customFields.length > 0) score = Math.max(score, 0.3)
    if (score > 0) hits.push({ entry, score, notes, customFields })
  }
  return hits.sort((a, b) => b.score - a.score)
}

/** A hit as the search endpoint shapes it: `visible_to` an integer, names of person and organization. */
export const toSearchItem = (hit: Hit, includeWasSeen: boolean) => {
  const { lead } = hit.entry
  return {
    result_score: hit.score,
    item: {
      id: lead.id,
      type: "lead",
      title: lead.title,
      ...(lead.owner_id === undefined ? {} : { owner: { id: lead.owner_id } }),
      person: lead.person_id == null ? null : { id: lead.person_id, name: personName(lead.person_id) },
      organization: lead.organization_id == null
        ? null
        : { id: lead.organization_id, name: organizationName(lead.organization_id) },
      phones: [],
      emails: lead.person_id == null ? [] : [personEmail(lead.person_id)],
      custom_fields: hit.customFields,
      notes: hit.notes,
      value: lead.value?.amount ?? null,
      currency: lead.value?.currency ?? null,
      ...(lead.visible_to === undefined ? {} : { visible_to: Number(lead.visible_to) }),
      is_archived: lead.is_archived ?? false,
      ...(includeWasSeen ? { was_seen: lead.was_seen } : {})
    }
  }
}
