import type { Lead, VisibleTo } from "../../Lead.js"
import { customFields, type Directory, labels, organizationName, personName } from "./directory.js"
import { hash32, makeRng, type Rng, streams } from "./random.js"

/** A seeded lead and the notes attached to it (what search looks in besides the lead). */
export interface SeededLead {
  readonly lead: Lead
  readonly notes: ReadonlyArray<string>
}

const dayMillis = 86_400_000
/** Seeded leads are created over two years from this instant. */
const seedEpoch = Date.UTC(2023, 0, 1)
const seedSpan = 730 * dayMillis

const products = [
  "CRM rollout", "Website redesign", "Annual licence", "Support plan", "Data migration", "Onboarding",
  "Hardware refresh", "Consulting", "Training days", "Integration project"
] as const
const currencies = ["EUR", "EUR", "EUR", "USD", "USD", "GBP", "SEK", "JPY"] as const
const industries = ["Retail", "Logistics", "Healthcare", "Software", "Manufacturing", "Education", "Finance"] as const
const events = ["the Berlin trade fair", "a webinar", "a partner referral", "the spring conference", "a cold call"]
const origins = [
  ["Manually created", "ManuallyCreated"],
  ["Manually created", "ManuallyCreated"],
  ["Web forms", "WebForms"],
  ["API", "API"],
  ["Import", "Import"],
  ["Prospector", "Prospector"]
] as const
const visibilities = ["3", "3", "3", "3", "3", "3", "3", "1", "1", "5", "7"] as const satisfies ReadonlyArray<VisibleTo>

const dateOnly = (millis: number): string => new Date(millis).toISOString().slice(0, 10)

const pickLabels = (rng: Rng): ReadonlyArray<string> => {
  const roll = rng.next()
  if (roll < 0.5) return []
  const first = rng.int(0, labels.length - 1)
  if (roll < 0.85) return [labels[first]!.id]
  return [labels[first]!.id, labels[(first + rng.int(1, labels.length - 1)) % labels.length]!.id]
}

/** Sets some custom fields on a lead under construction (in place: 200,000 leads, no temporaries). */
const addCustomFields = (custom: Record<string, unknown>, rng: Rng, addTime: number): void => {
  if (rng.chance(0.35)) custom[customFields.industry.key] = rng.pick(industries)
  if (rng.chance(0.2)) {
    custom[customFields.budget.key] = rng.int(1, 400) * 250
    custom[`${customFields.budget.key}_currency`] = rng.pick(currencies)
  }
  if (rng.chance(0.15)) custom[customFields.employees.key] = rng.int(1, 5000)
  if (rng.chance(0.1)) custom[customFields.nextReview.key] = dateOnly(addTime + rng.int(10, 200) * dayMillis)
  if (rng.chance(0.1)) custom[customFields.referrer.key] = personName(rng.int(1, 400))
}

/**
 * Sets the option and user fields in their v1 wire forms (an enum's option id as a string, a
 * set's ids joined by commas, a user id), chosen from the lead id's hash rather than drawn from
 * the generator: leads seeded before these fields existed stay exactly as they were.
 */
const addOptionFields = (custom: Record<string, unknown>, idHash: number, users: number): void => {
  const { accountManager, customerType, interests } = customFields
  if (idHash % 4 === 0) custom[customerType.key] = String(customerType.options[(idHash >>> 2) % 3]!.id)
  if (idHash % 5 === 0) {
    const chosen = interests.options.filter((_, i) => ((idHash >>> 3) & (1 << i)) !== 0)
    if (chosen.length > 0) custom[interests.key] = chosen.map((option) => option.id).join(",")
  }
  if (idHash % 6 === 0) custom[accountManager.key] = (idHash >>> 5) % users + 1
}

const noNotes: ReadonlyArray<string> = []

/**
 * `count` realistic leads from `seed`, oldest first: titles, values in several currencies,
 * owners, persons, organizations, labels, about one in ten archived, about half with custom
 * fields, creation times spread over 2023–2024. The same arguments give the same leads.
 */
export const seedLeads = (count: number, seed: number, directory: Directory): Array<SeededLead> => {
  const rng = makeRng(seed, streams.leads)
  const out = new Array<SeededLead>(count)
  const step = seedSpan / Math.max(1, count)
  for (let i = 0; i < count; i++) {
    const addTime = seedEpoch + Math.floor((i + rng.next()) * step)
    const updateTime = addTime + (rng.chance(0.4) ? 0 : rng.int(1, 30 * dayMillis))
    let personId: number | null = rng.chance(0.75) ? rng.int(1, directory.persons) : null
    const organizationId: number | null = rng.chance(0.65) ? rng.int(1, directory.organizations) : null
    if (personId === null && organizationId === null) personId = rng.int(1, directory.persons)
    const product = rng.pick(products)
    const party = organizationId === null ? personName(personId!) : organizationName(organizationId)
    const archived = rng.chance(0.1)
    const [sourceName, origin] = rng.pick(origins)
    const ownerId = rng.int(1, directory.users)
    const id = rng.uuid()
    const lead: Record<string, unknown> = {
      id,
      title: `${product} for ${party}`,
      owner_id: ownerId,
      creator_id: rng.chance(0.7) ? ownerId : rng.int(1, directory.users),
      label_ids: pickLabels(rng),
      value: rng.chance(0.7) ? { amount: rng.int(1, 2000) * 50, currency: rng.pick(currencies) } : null,
      expected_close_date: rng.chance(0.4) ? dateOnly(addTime + rng.int(7, 120) * dayMillis) : null,
      person_id: personId,
      organization_id: organizationId,
      is_archived: archived,
      source_name: sourceName,
      origin,
      origin_id: origin === "Import" ? `import-${rng.int(1, 40)}` : null,
      channel: rng.chance(0.15) ? rng.int(1, 5) : null,
      channel_id: rng.chance(0.1) ? `campaign-${rng.int(1, 12)}` : null,
      was_seen: rng.chance(0.6),
      next_activity_id: rng.chance(0.25) ? rng.int(1, 100_000) : null,
      add_time: new Date(addTime).toISOString(),
      update_time: new Date(updateTime).toISOString(),
      visible_to: rng.pick(visibilities),
      cc_email: `test-company+lead${i + 1}@pipedrivemail.com`,
      archive_time: archived ? new Date(updateTime).toISOString() : null,
      source_deal_id: null
    } satisfies Lead
    addCustomFields(lead, rng, addTime)
    addOptionFields(lead, hash32(id), directory.users)
    const notes = rng.chance(0.25)
      ? [`Met at ${rng.pick(events)}; follow up about the ${product.toLowerCase()}.`]
      : noNotes
    out[i] = { lead: lead as Lead, notes }
  }
  return out
}
